package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"
	dutil "github.com/libp2p/go-libp2p/p2p/discovery/util"
	ma "github.com/multiformats/go-multiaddr"
)

// bootstrapNode is the Go implementation's BootstrapNode, in the JSON shape the TypeScript side uses.
type bootstrapNode struct {
	PublicKey string `json:"publicKey"`
	IP        string `json:"ip"`
	QUICPort  int    `json:"quicPort"`
	TCPPort   int    `json:"tcpPort"`
}

// addrInfo builds the node's addresses, QUIC first, TCP as fallback.
func (b bootstrapNode) addrInfo() (peer.AddrInfo, error) {
	id, err := walletToPeerID(b.PublicKey)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("bootstrap node publicKey: %w", err)
	}
	var addrs []ma.Multiaddr
	if b.QUICPort > 0 {
		a, err := ma.NewMultiaddr(fmt.Sprintf("/ip4/%s/udp/%d/quic-v1", b.IP, b.QUICPort))
		if err != nil {
			return peer.AddrInfo{}, fmt.Errorf("bootstrap node ip/quicPort: %w", err)
		}
		addrs = append(addrs, a)
	}
	if b.TCPPort > 0 {
		a, err := ma.NewMultiaddr(fmt.Sprintf("/ip4/%s/tcp/%d", b.IP, b.TCPPort))
		if err != nil {
			return peer.AddrInfo{}, fmt.Errorf("bootstrap node ip/tcpPort: %w", err)
		}
		addrs = append(addrs, a)
	}
	return peer.AddrInfo{ID: id, Addrs: addrs}, nil
}

func parseBootstrapNode(s string) (peer.AddrInfo, error) {
	var b bootstrapNode
	if err := json.Unmarshal([]byte(s), &b); err != nil {
		return peer.AddrInfo{}, fmt.Errorf("--bootstrap-node: not a JSON object {publicKey, ip, quicPort, tcpPort}: %w", err)
	}
	return b.addrInfo()
}

// bootstrap dials every bootstrap peer; while none is connected it retries
// (first after 2 s, then every --bootstrap-retry-ms), as the Go implementation's retry loop.
// The returned channel gets the first round's outcome (true: a peer is connected)
// and is closed; with no bootstrap peers it is closed at once.
func (n *node) bootstrap(peers []peer.AddrInfo) <-chan bool {
	first := make(chan bool, 1)
	if len(peers) == 0 {
		close(first)
		return first
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		reported := false
		report := func(ok bool) {
			if !reported {
				reported = true
				first <- ok
				close(first)
			}
		}
		defer report(false)
		delay := 2 * time.Second
		for attempt := 1; ; attempt++ {
			ok := 0
			for _, ai := range peers {
				cctx, cancel := context.WithTimeout(n.ctx, n.cfg.dialTimeout)
				err := n.host.Connect(cctx, ai)
				cancel()
				line := map[string]any{"type": "bootstrap", "peer": ai.ID.String(), "attempt": attempt, "ok": err == nil}
				if err != nil {
					line["error"] = err.Error()
				} else {
					ok++
				}
				n.out.line(line)
			}
			if ok > 0 || len(n.host.Network().Peers()) > 0 {
				// Refresh the DHT routing table now that it has a peer to ask.
				if b, isB := n.router.(interface{ Bootstrap(context.Context) error }); isB {
					_ = b.Bootstrap(n.ctx)
				}
				report(true)
				return
			}
			report(false)
			select {
			case <-n.ctx.Done():
				return
			case <-time.After(delay):
			}
			delay = n.cfg.bootstrapRetry
		}
	}()
	return first
}

func (n *node) startRendezvous() {
	if n.router == nil {
		return
	}
	ns := "p2p-database-discovery_" + n.cfg.db
	disc := drouting.NewRoutingDiscovery(n.router)
	interval := n.cfg.discoveryInterval

	// Advertise: retry every interval until it succeeds (an empty routing table fails),
	// then renew at 7/8 of the TTL, before the provider record expires.
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		wait := time.Duration(0)
		for {
			select {
			case <-n.ctx.Done():
				return
			case <-time.After(wait):
			}
			ttl, err := disc.Advertise(n.ctx, ns)
			if err != nil {
				if n.ctx.Err() != nil {
					return
				}
				n.out.line(map[string]any{"type": "advertise", "ok": false, "namespace": ns, "error": err.Error()})
				wait = interval
				continue
			}
			n.out.line(map[string]any{"type": "advertise", "ok": true, "namespace": ns, "ttlSeconds": int(ttl.Seconds())})
			wait = 7 * ttl / 8
		}
	}()

	// Find: every interval, connect to the providers we are not connected to.
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		reported := map[peer.ID]struct{}{}
		for {
			fctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
			found, err := dutil.FindPeers(fctx, disc, ns)
			cancel()
			if err == nil {
				for _, ai := range found {
					if ai.ID == n.host.ID() || len(ai.Addrs) == 0 {
						continue
					}
					connected := n.host.Network().Connectedness(ai.ID) == network.Connected
					if _, seen := reported[ai.ID]; !seen {
						// Once per peer: a provider record found at the rendezvous.
						reported[ai.ID] = struct{}{}
						addrs := make([]string, 0, len(ai.Addrs))
						for _, a := range ai.Addrs {
							addrs = append(addrs, a.String())
						}
						n.out.line(map[string]any{"type": "discovered", "peer": ai.ID.String(), "addrs": addrs, "connected": connected})
					}
					if connected {
						continue
					}
					cctx, cancel := context.WithTimeout(n.ctx, n.cfg.dialTimeout)
					if err := n.host.Connect(cctx, ai); err != nil && n.ctx.Err() == nil {
						n.out.line(map[string]any{"type": "discovered-dial", "ok": false, "peer": ai.ID.String(), "error": err.Error()})
					}
					cancel()
				}
			}
			select {
			case <-n.ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	}()
}
