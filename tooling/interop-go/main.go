// Command interop-go is a go-libp2p node of the Go implementation's design (dTelecom's
// p2p-pubsub / p2p-database, as it behaves on the wire), used to prove that @depin/pubsub's
// TypeScript nodes can share a network with Go nodes. It prints JSON lines on stdout and reads
// commands on stdin.
// See README.md.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

type config struct {
	keyFlag           string
	keyFile           string
	db                string
	listenHost        string
	quicPort          int
	tcpPort           int
	quic              bool
	tcp               bool
	authorized        stringList
	authorizedFile    string
	refresh           time.Duration
	bootstrap         stringList
	bootstrapNodes    stringList
	subscribe         stringList
	publishTopic      string
	message           string
	publishCount      int
	publishInterval   time.Duration
	dhtMode           string
	dhtServer         bool
	rendezvous        bool
	discoveryInterval time.Duration
	dialTimeout       time.Duration
	bootstrapRetry    time.Duration
	stdin             bool
	identityOnly      bool
	asShipped         bool
	printEvents       bool
}

// stringList is a repeatable flag whose values may also be comma-separated.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}

func parseFlags(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("interop-go", flag.ContinueOnError)
	fs.StringVar(&c.keyFlag, "key", "", "base58 Solana secret key (64 bytes); prefer --key-file or $WALLET_PRIVATE_KEY")
	fs.StringVar(&c.keyFile, "key-file", "", "file holding the secret key: base58, or solana-keygen's JSON byte array")
	fs.StringVar(&c.db, "db", "", "database name: topics are <db>_<topic>, rendezvous p2p-database-discovery_<db> (required)")
	fs.StringVar(&c.listenHost, "listen-host", "127.0.0.1", "IPv4 address to listen on")
	fs.IntVar(&c.quicPort, "quic-port", 4001, "QUIC v1 UDP port (0 = any free port)")
	fs.IntVar(&c.tcpPort, "tcp-port", 4002, "TCP port (0 = any free port)")
	fs.BoolVar(&c.quic, "quic", true, "enable the QUIC v1 transport")
	fs.BoolVar(&c.tcp, "tcp", true, "enable the TCP transport")
	fs.Var(&c.authorized, "authorized", "authorized wallets (base58), comma-separated; repeatable")
	fs.StringVar(&c.authorizedFile, "authorized-file", "", "file of authorized wallets (one per line, or comma-separated); re-read every --refresh-ms")
	refreshMs := fs.Int("refresh-ms", 30_000, "authorized list refresh interval in ms")
	fs.Var(&c.bootstrap, "bootstrap", "bootstrap multiaddrs with /p2p/<PeerId>, comma-separated; repeatable")
	fs.Var((*rawList)(&c.bootstrapNodes), "bootstrap-node", `bootstrap node as JSON {"publicKey","ip","quicPort","tcpPort"}; repeatable`)
	fs.Var(&c.subscribe, "subscribe", "topics to subscribe to on start (events are printed as JSON lines)")
	fs.StringVar(&c.publishTopic, "publish", "", "topic to publish --message on after start")
	fs.StringVar(&c.message, "message", `"hello from go"`, "JSON message to publish")
	fs.IntVar(&c.publishCount, "publish-count", 1, "how many events --publish sends")
	publishIntervalMs := fs.Int("publish-interval-ms", 1000, "delay before each --publish event in ms")
	fs.StringVar(&c.dhtMode, "dht", "kad", "kad (one /ipfs/kad/1.0.0 DHT, server mode, private addresses allowed), dual (the Go implementation's dual DHT; its LAN half drops loopback), none")
	fs.BoolVar(&c.dhtServer, "dht-server", true, "run the DHT in server mode; false: go-libp2p's automatic mode (the Go implementation's dual.New default)")
	fs.BoolVar(&c.rendezvous, "rendezvous", true, "advertise and find peers on p2p-database-discovery_<db> through the DHT")
	discoveryMs := fs.Int("discovery-interval-ms", 2000, "rendezvous find/advertise-retry interval in ms (the Go implementation: 2 s)")
	dialMs := fs.Int("dial-timeout-ms", 30_000, "timeout of one dial in ms")
	retryMs := fs.Int("bootstrap-retry-ms", 5000, "bootstrap retry interval in ms while no peer is connected")
	fs.BoolVar(&c.identityOnly, "identity-only", false, "print {type:identity, peerId, wallet} for the key and exit (no network)")
	fs.BoolVar(&c.asShipped, "as-shipped", false, "behave as the Go implementation ships (dTelecom/p2p-database): subscribe only after the first bootstrap round and its 1 s settle sleep; deliver events as its receiver does (from_peer filled with the forwarding peer, a missing timestamp as 0)")
	fs.BoolVar(&c.printEvents, "print-events", true, "with --as-shipped: print a line per delivered event (false: only count them and their latency, see the stats command)")
	fs.BoolVar(&c.stdin, "stdin", true, "read commands from stdin and exit at its end; false: run until SIGINT/SIGTERM")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.db == "" && !c.identityOnly {
		return nil, errors.New("--db is required")
	}
	if c.publishTopic != "" && !json.Valid([]byte(c.message)) {
		return nil, errors.New("--message is not valid JSON")
	}
	for name, v := range map[string]int{"refresh-ms": *refreshMs, "discovery-interval-ms": *discoveryMs, "dial-timeout-ms": *dialMs, "bootstrap-retry-ms": *retryMs} {
		if v <= 0 {
			return nil, fmt.Errorf("--%s must be > 0", name)
		}
	}
	if *publishIntervalMs < 0 {
		return nil, errors.New("--publish-interval-ms must be >= 0")
	}
	c.refresh = time.Duration(*refreshMs) * time.Millisecond
	c.publishInterval = time.Duration(*publishIntervalMs) * time.Millisecond
	c.discoveryInterval = time.Duration(*discoveryMs) * time.Millisecond
	c.dialTimeout = time.Duration(*dialMs) * time.Millisecond
	c.bootstrapRetry = time.Duration(*retryMs) * time.Millisecond
	return c, nil
}

// rawList is a repeatable flag that keeps each value whole.
type rawList []string

func (r *rawList) String() string     { return strings.Join(*r, " ") }
func (r *rawList) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	out := newOutput()
	if err := run(out); err != nil {
		out.errorLine("fatal", err)
		fmt.Fprintln(os.Stderr, "interop-go:", err)
		os.Exit(1)
	}
}

func run(out *output) error {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	secret, err := readSecretKey(cfg.keyFlag, cfg.keyFile)
	if err != nil {
		return err
	}
	id, err := parseSecretKey(secret)
	if err != nil {
		return err
	}
	if cfg.identityOnly {
		out.line(map[string]any{"type": "identity", "peerId": id.peerID.String(), "wallet": id.wallet})
		return nil
	}
	var peers []peer.AddrInfo
	for _, a := range cfg.bootstrap {
		ai, err := peer.AddrInfoFromString(a)
		if err != nil {
			return fmt.Errorf("--bootstrap %q: %w", a, err)
		}
		peers = append(peers, *ai)
	}
	for _, b := range cfg.bootstrapNodes {
		ai, err := parseBootstrapNode(b)
		if err != nil {
			return err
		}
		peers = append(peers, ai)
	}
	gater, err := newWalletGater(out, cfg.authorized, cfg.authorizedFile, cfg.refresh)
	if err != nil {
		return err
	}
	gater.start()
	defer gater.stop()

	n, err := newNode(cfg, out, id, gater)
	if err != nil {
		return err
	}
	defer n.closeAll()

	out.line(map[string]any{"type": "start", "peerId": n.host.ID().String(), "wallet": id.wallet, "addrs": n.addrs(), "db": cfg.db})

	if cfg.asShipped {
		// As the shipped infrastructure: connect() returns only after the first bootstrap round,
		// and after a successful one it sleeps 1 s "to let the DHT settle"; only then can the
		// application subscribe.
		if ok := <-n.bootstrap(peers); ok {
			time.Sleep(time.Second)
		}
		out.line(map[string]any{"type": "settled"})
	}
	for _, t := range cfg.subscribe {
		if err := n.subscribe(t); err != nil {
			return fmt.Errorf("subscribe %q: %w", t, err)
		}
	}
	if !cfg.asShipped {
		n.bootstrap(peers)
	}
	if cfg.rendezvous {
		n.startRendezvous()
	}
	if cfg.publishTopic != "" {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			for i := 0; i < cfg.publishCount; i++ {
				select {
				case <-n.ctx.Done():
					return
				case <-time.After(cfg.publishInterval):
				}
				if _, err := n.publish(n.ctx, cfg.publishTopic, json.RawMessage(cfg.message)); err != nil && n.ctx.Err() == nil {
					out.errorLine("publish", err)
				}
			}
		}()
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	stdinDone := make(chan struct{})
	if cfg.stdin {
		go func() {
			defer close(stdinDone)
			readCommands(n, out)
		}()
	}
	select {
	case s := <-sigs:
		out.line(map[string]any{"type": "stopping", "reason": s.String()})
	case <-stdinDone:
		out.line(map[string]any{"type": "stopping", "reason": "stdin closed"})
	}
	return nil
}

// readCommands runs one command per stdin line until EOF or "quit":
//
//	publish <topic> <json>   subscribe <topic>   connect <multiaddr>   peers   topic-peers <topic>   dht   quit
//	load <topic> <count> <intervalMs> <size>   stats <topic>   stats-reset
func readCommands(n *node, out *output) {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64*1024), 8*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		cmd, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch cmd {
		case "quit":
			return
		case "publish":
			topic, msg, ok := strings.Cut(rest, " ")
			if !ok || topic == "" {
				out.line(map[string]any{"type": "error", "context": "publish", "error": "usage: publish <topic> <json>"})
				continue
			}
			ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
			if _, err := n.publish(ctx, topic, json.RawMessage(strings.TrimSpace(msg))); err != nil {
				out.errorLine("publish", err)
			}
			cancel()
		case "load":
			n.loadCommand(rest)
		case "stats":
			out.line(n.bench.line(rest))
		case "stats-reset":
			n.bench.reset()
			out.line(map[string]any{"type": "stats-reset"})
		case "subscribe":
			if err := n.subscribe(rest); err != nil {
				out.errorLine("subscribe", err)
			}
		case "connect":
			err := n.connect(n.ctx, rest)
			l := map[string]any{"type": "connect", "addr": rest, "ok": err == nil}
			if err != nil {
				l["error"] = err.Error()
			}
			out.line(l)
		case "dht":
			out.line(n.dhtStats())
		case "peers":
			ids := []string{}
			for _, p := range n.host.Network().Peers() {
				ids = append(ids, p.String())
			}
			out.line(map[string]any{"type": "peers", "peers": ids})
		case "topic-peers":
			jt, err := n.join(rest)
			if err != nil {
				out.errorLine("topic-peers", err)
				continue
			}
			ids := []string{}
			for _, p := range jt.topic.ListPeers() {
				ids = append(ids, p.String())
			}
			out.line(map[string]any{"type": "topic-peers", "topic": rest, "peers": ids})
		default:
			out.line(map[string]any{"type": "error", "context": "command", "error": fmt.Sprintf("unknown command %q", cmd)})
		}
	}
}
