package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// walletGater is a libp2p ConnectionGater admitting only peers whose wallet is in the
// authorized list, as the Go implementation's SolanaRegistryGater does: dials are checked by peer and by
// address, and both directions are checked after the security handshake (the only point
// where an inbound peer's identity is known). The list comes from --authorized and/or
// --authorized-file; the file is re-read every refresh interval and, at most once a second,
// on a miss (the Go implementation's "cache first, then ask the registry").
type walletGater struct {
	out      *output
	static   []string
	file     string
	refresh  time.Duration
	mu       sync.RWMutex
	allowed  map[peer.ID]struct{}
	lastRead time.Time
	readMu   sync.Mutex
	cancel   context.CancelFunc
	done     chan struct{}
}

func newWalletGater(out *output, static []string, file string, refresh time.Duration) (*walletGater, error) {
	g := &walletGater{out: out, static: static, file: file, refresh: refresh, allowed: map[peer.ID]struct{}{}}
	if err := g.reload(); err != nil {
		return nil, err
	}
	return g, nil
}

// start runs the refresh loop until stop.
func (g *walletGater) start() {
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	g.done = make(chan struct{})
	go func() {
		defer close(g.done)
		t := time.NewTicker(g.refresh)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := g.reload(); err != nil {
					// Keep the last good set: a registry failure never empties the cache.
					g.out.errorLine("authorized-refresh", err)
				}
			}
		}
	}()
}

func (g *walletGater) stop() {
	if g.cancel != nil {
		g.cancel()
		<-g.done
	}
}

// reload replaces the authorized set with the static list plus the file's wallets.
func (g *walletGater) reload() error {
	g.readMu.Lock()
	defer g.readMu.Unlock()
	g.lastRead = time.Now()
	wallets := append([]string{}, g.static...)
	if g.file != "" {
		fromFile, err := readWalletFile(g.file)
		if err != nil {
			return err
		}
		wallets = append(wallets, fromFile...)
	}
	next := make(map[peer.ID]struct{}, len(wallets))
	for _, w := range wallets {
		id, err := walletToPeerID(w)
		if err != nil {
			// Junk entries are skipped, not fatal.
			g.out.line(map[string]any{"type": "warning", "context": "authorized", "error": err.Error()})
			continue
		}
		next[id] = struct{}{}
	}
	g.mu.Lock()
	g.allowed = next
	g.mu.Unlock()
	return nil
}

// readWalletFile reads wallets separated by newlines, commas or spaces; '#' starts a comment.
func readWalletFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("authorized file: %w", err)
	}
	defer f.Close()
	var wallets []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, w := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			wallets = append(wallets, w)
		}
	}
	return wallets, sc.Err()
}

func (g *walletGater) isAuthorized(p peer.ID) bool {
	g.mu.RLock()
	_, ok := g.allowed[p]
	g.mu.RUnlock()
	if ok {
		return true
	}
	// Miss: re-read the file (the "registry") at most once a second.
	if g.file == "" {
		return false
	}
	g.readMu.Lock()
	stale := time.Since(g.lastRead) > time.Second
	g.readMu.Unlock()
	if stale {
		if err := g.reload(); err != nil {
			g.out.errorLine("authorized-miss", err)
		}
		g.mu.RLock()
		_, ok = g.allowed[p]
		g.mu.RUnlock()
	}
	return ok
}

func (g *walletGater) check(hook string, p peer.ID, addr ma.Multiaddr) bool {
	if g.isAuthorized(p) {
		return true
	}
	line := map[string]any{"type": "denied", "hook": hook, "peer": p.String()}
	if w, err := peerIDToWallet(p); err == nil {
		line["wallet"] = w
	}
	if addr != nil {
		line["addr"] = addr.String()
	}
	g.out.line(line)
	return false
}

// InterceptPeerDial checks an outgoing dial by PeerId.
func (g *walletGater) InterceptPeerDial(p peer.ID) bool { return g.check("peer-dial", p, nil) }

// InterceptAddrDial checks an outgoing dial to one address of a peer.
func (g *walletGater) InterceptAddrDial(p peer.ID, addr ma.Multiaddr) bool {
	return g.check("addr-dial", p, addr)
}

// InterceptAccept admits every raw inbound connection: the peer is not known yet.
func (g *walletGater) InterceptAccept(network.ConnMultiaddrs) bool { return true }

// InterceptSecured checks both directions once the security handshake names the peer.
func (g *walletGater) InterceptSecured(dir network.Direction, p peer.ID, addrs network.ConnMultiaddrs) bool {
	hook := "secured-inbound"
	if dir == network.DirOutbound {
		hook = "secured-outbound"
	}
	return g.check(hook, p, addrs.RemoteMultiaddr())
}

// InterceptUpgraded admits: the decision was made in InterceptSecured.
func (g *walletGater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) {
	return true, 0
}
