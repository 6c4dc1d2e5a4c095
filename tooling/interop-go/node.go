package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p-kad-dht/dual"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/routing"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// Event is the message payload, with the Go implementation's JSON tags.
// Timestamp is Unix time in whole seconds.
type Event struct {
	ID         string `json:"id"`
	FromPeerId string `json:"from_peer"`
	Message    any    `json:"message"`
	Timestamp  int64  `json:"timestamp"`
}

type node struct {
	cfg    *config
	out    *output
	id     *identity
	gater  *walletGater
	host   host.Host
	router routing.ContentRouting
	closer func() error
	ps     *pubsub.PubSub

	mu     sync.Mutex
	topics map[string]*joinedTopic
	bench  *benchStats
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type joinedTopic struct {
	topic  *pubsub.Topic
	sub    *pubsub.Subscription
	events *pubsub.TopicEventHandler
}

func newNode(cfg *config, out *output, id *identity, gater *walletGater) (*node, error) {
	var listen []string
	var opts []libp2p.Option
	if cfg.quic {
		listen = append(listen, fmt.Sprintf("/ip4/%s/udp/%d/quic-v1", cfg.listenHost, cfg.quicPort))
		opts = append(opts, libp2p.Transport(libp2pquic.NewTransport))
	}
	if cfg.tcp {
		listen = append(listen, fmt.Sprintf("/ip4/%s/tcp/%d", cfg.listenHost, cfg.tcpPort))
		opts = append(opts, libp2p.Transport(tcp.NewTCPTransport))
	}
	if len(listen) == 0 {
		return nil, errors.New("no transport enabled: keep --quic or --tcp")
	}
	cm, err := connmgr.NewConnManager(100, 400, connmgr.WithGracePeriod(time.Minute))
	if err != nil {
		return nil, err
	}
	// As the Go implementation's host, less NATPortMap/EnableNATService: UPnP/NAT-PMP would probe the
	// local network, and this tool only ever talks to the addresses it is given.
	opts = append(opts,
		libp2p.Identity(id.privKey),
		libp2p.ListenAddrStrings(listen...),
		libp2p.EnableRelay(),
		libp2p.ConnectionManager(cm),
		libp2p.ConnectionGater(gater),
	)
	h, err := libp2p.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("libp2p host (QUIC port %d, TCP port %d): %w", cfg.quicPort, cfg.tcpPort, err)
	}
	n := &node{cfg: cfg, out: out, id: id, gater: gater, host: h, topics: map[string]*joinedTopic{}, bench: newBenchStats()}
	n.ctx, n.cancel = context.WithCancel(context.Background())

	h.Network().Notify(&network.NotifyBundle{
		ConnectedF: func(_ network.Network, c network.Conn) {
			out.line(map[string]any{
				"type": "peer", "event": "connected", "peer": c.RemotePeer().String(),
				"direction": c.Stat().Direction.String(), "transport": transportOf(c.RemoteMultiaddr()),
				"remoteAddr": c.RemoteMultiaddr().String(),
			})
		},
		DisconnectedF: func(_ network.Network, c network.Conn) {
			out.line(map[string]any{"type": "peer", "event": "disconnected", "peer": c.RemotePeer().String()})
		},
	})

	mode := dht.ModeAuto
	if cfg.dhtServer {
		mode = dht.ModeServer
	}
	switch cfg.dhtMode {
	case "kad":
		// One Kademlia DHT on /ipfs/kad/1.0.0, no address filter, so that
		// loopback and private (datacenter) addresses route, as the TypeScript nodes do.
		d, err := dht.New(h, dht.Mode(mode))
		if err != nil {
			_ = h.Close()
			return nil, fmt.Errorf("kad dht: %w", err)
		}
		n.router, n.closer = d, d.Close
	case "dual":
		// The Go implementation's dual DHT (WAN /ipfs/kad/1.0.0 for public addresses, LAN /ipfs/lan/kad/1.0.0
		// for private ones). Its LAN half drops loopback addresses, so it cannot route on 127.0.0.1.
		d, err := dual.New(h, dual.DHTOption(dht.Mode(mode)))
		if err != nil {
			_ = h.Close()
			return nil, fmt.Errorf("dual dht: %w", err)
		}
		n.router, n.closer = d, d.Close
	case "none":
	default:
		_ = h.Close()
		return nil, fmt.Errorf("--dht must be kad, dual or none, got %q", cfg.dhtMode)
	}

	// Default GossipSub: StrictSign, message id from+seqno, meshsub 1.0-1.2, as the Go implementation.
	ps, err := pubsub.NewGossipSub(n.ctx, h)
	if err != nil {
		n.closeAll()
		return nil, fmt.Errorf("gossipsub: %w", err)
	}
	n.ps = ps
	return n, nil
}

func transportOf(a ma.Multiaddr) string {
	s := a.String()
	switch {
	case strings.Contains(s, "/p2p-circuit"):
		return "relay"
	case strings.Contains(s, "/quic-v1"):
		return "quic"
	case strings.Contains(s, "/tcp/"):
		return "tcp"
	}
	return "other"
}

// addrs returns our listen addresses with /p2p/<id>.
func (n *node) addrs() []string {
	var res []string
	for _, a := range n.host.Addrs() {
		res = append(res, a.String()+"/p2p/"+n.host.ID().String())
	}
	return res
}

// topicName is the GossipSub topic of a user topic: <db>_<topic>.
func (n *node) topicName(topic string) string { return n.cfg.db + "_" + topic }

// join joins a topic once and reports its peers joining and leaving.
func (n *node) join(topic string) (*joinedTopic, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if jt, ok := n.topics[topic]; ok {
		return jt, nil
	}
	t, err := n.ps.Join(n.topicName(topic))
	if err != nil {
		return nil, err
	}
	eh, err := t.EventHandler()
	if err != nil {
		return nil, err
	}
	jt := &joinedTopic{topic: t, events: eh}
	n.topics[topic] = jt
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for {
			ev, err := eh.NextPeerEvent(n.ctx)
			if err != nil {
				return
			}
			n.out.line(map[string]any{
				"type": "topic-peer", "topic": topic, "peer": ev.Peer.String(), "joined": ev.Type == pubsub.PeerJoin,
			})
		}
	}()
	return jt, nil
}

// subscribe subscribes to a topic and prints every received event as a JSON line.
func (n *node) subscribe(topic string) error {
	jt, err := n.join(topic)
	if err != nil {
		return err
	}
	n.mu.Lock()
	if jt.sub != nil {
		n.mu.Unlock()
		return nil
	}
	sub, err := jt.topic.Subscribe()
	if err != nil {
		n.mu.Unlock()
		return err
	}
	jt.sub = sub
	n.mu.Unlock()
	n.out.line(map[string]any{"type": "subscribed", "topic": topic, "gossipsubTopic": n.topicName(topic)})
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for {
			msg, err := sub.Next(n.ctx)
			if err != nil {
				return
			}
			// As the Go receiver: skip our own messages.
			if msg.ReceivedFrom == n.host.ID() {
				continue
			}
			n.deliver(topic, msg)
		}
	}()
	return nil
}

func (n *node) deliver(topic string, msg *pubsub.Message) {
	line := map[string]any{
		"type": "event", "topic": topic, "gossipsubTopic": msg.GetTopic(),
		"from": msg.GetFrom().String(), "receivedFrom": msg.ReceivedFrom.String(),
	}
	if n.cfg.asShipped {
		n.deliverAsShipped(line, msg)
		return
	}
	if !json.Valid(msg.Data) {
		line["type"] = "invalid-event"
		line["reason"] = "not JSON"
		line["data"] = string(msg.Data)
		n.out.line(line)
		return
	}
	var ev Event
	if err := json.Unmarshal(msg.Data, &ev); err != nil || ev.ID == "" {
		// The Go receiver drops events without an id.
		line["type"] = "invalid-event"
		line["reason"] = "not an Event or empty id"
		line["data"] = json.RawMessage(msg.Data)
		n.out.line(line)
		return
	}
	line["event"] = json.RawMessage(msg.Data)
	n.out.line(line)
}

// deliverAsShipped is the shipped receiver's messageListener (dTelecom/p2p-database,
// pubsub/pubsub_operations.go): no validation beyond json.Unmarshal into Event and a
// non-empty id; a missing from_peer is filled with the peer the message came from, a
// missing timestamp stays 0. GossipSub has no topic validator there, so every message,
// delivered or dropped here, has already been forwarded. "event" is the Event as its
// handler gets it; dropped messages are printed as "dropped" with the receiver's reason.
func (n *node) deliverAsShipped(line map[string]any, msg *pubsub.Message) {
	var ev Event
	if err := json.Unmarshal(msg.Data, &ev); err != nil {
		line["type"] = "dropped"
		line["reason"] = "unmarshal: " + err.Error()
		n.out.line(line)
		return
	}
	if ev.ID == "" {
		line["type"] = "dropped"
		line["reason"] = "empty id"
		n.out.line(line)
		return
	}
	if ev.FromPeerId == "" {
		ev.FromPeerId = msg.ReceivedFrom.String()
	}
	n.bench.record(line["topic"].(string), ev.Message)
	if !n.cfg.printEvents {
		return
	}
	data, err := json.Marshal(ev)
	if err != nil {
		n.out.errorLine("deliver", err)
		return
	}
	line["event"] = json.RawMessage(data)
	n.out.line(line)
}

// publish sends one Event with message (raw JSON) on topic and returns it.
func (n *node) publish(ctx context.Context, topic string, message json.RawMessage) (*Event, error) {
	if !json.Valid(message) {
		return nil, errors.New("message is not valid JSON")
	}
	jt, err := n.join(topic)
	if err != nil {
		return nil, err
	}
	ev := &Event{ID: uuidV4(), FromPeerId: n.host.ID().String(), Message: message, Timestamp: time.Now().Unix()}
	data, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	if err := jt.topic.Publish(ctx, data); err != nil {
		return nil, err
	}
	n.out.line(map[string]any{"type": "published", "topic": topic, "event": json.RawMessage(data)})
	return ev, nil
}

// connect dials one address (with /p2p/) with a bounded timeout.
func (n *node) connect(ctx context.Context, addr string) error {
	ai, err := peer.AddrInfoFromString(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	cctx, cancel := context.WithTimeout(ctx, n.cfg.dialTimeout)
	defer cancel()
	return n.host.Connect(cctx, *ai)
}

func (n *node) closeAll() {
	n.cancel()
	n.mu.Lock()
	for _, jt := range n.topics {
		if jt.sub != nil {
			jt.sub.Cancel()
		}
		jt.events.Cancel()
		_ = jt.topic.Close()
	}
	n.mu.Unlock()
	if n.closer != nil {
		_ = n.closer()
	}
	_ = n.host.Close()
	n.wg.Wait()
}

// uuidV4 returns a random RFC 4122 version 4 UUID string.
func uuidV4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// dhtStats reports the routing table sizes (per half for the dual DHT).
func (n *node) dhtStats() map[string]any {
	line := map[string]any{"type": "dht", "mode": n.cfg.dhtMode}
	switch d := n.router.(type) {
	case *dht.IpfsDHT:
		line["kad"] = d.RoutingTable().Size()
	case *dual.DHT:
		line["wan"] = d.WAN.RoutingTable().Size()
		line["lan"] = d.LAN.RoutingTable().Size()
	}
	return line
}
