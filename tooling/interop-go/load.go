package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// benchStats keeps, per topic, how many events with a send stamp arrived and their one-way
// latencies, for the side-by-side benchmark (tooling/bench, section vs-go).
type benchStats struct {
	mu       sync.Mutex
	received map[string]int
	latUs    map[string][]int64
}

func newBenchStats() *benchStats {
	return &benchStats{received: map[string]int{}, latUs: map[string][]int64{}}
}

// record notes one delivered event whose message may carry "sentUs" (Unix microseconds).
func (b *benchStats) record(topic string, message any) {
	m, ok := message.(map[string]any)
	if !ok {
		return
	}
	sent, ok := m["sentUs"].(float64)
	if !ok {
		return
	}
	lat := time.Now().UnixMicro() - int64(sent)
	b.mu.Lock()
	b.received[topic]++
	b.latUs[topic] = append(b.latUs[topic], lat)
	b.mu.Unlock()
}

func (b *benchStats) line(topic string) map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	lat := b.latUs[topic]
	if lat == nil {
		lat = []int64{}
	}
	return map[string]any{"type": "stats", "topic": topic, "received": b.received[topic], "latUs": lat}
}

func (b *benchStats) reset() {
	b.mu.Lock()
	b.received = map[string]int{}
	b.latUs = map[string][]int64{}
	b.mu.Unlock()
}

// load publishes count events of about size bytes on topic, one every interval (on an absolute
// schedule), each message {"seq","sentUs","pad"} stamped just before it is published; then
// prints {"type":"loaded"}.
func (n *node) load(topic string, count int, interval time.Duration, size int) {
	jt, err := n.join(topic)
	if err != nil {
		n.out.errorLine("load", err)
		return
	}
	pad := strings.Repeat("x", size)
	errors := 0
	start := time.Now()
	for i := 0; i < count; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			select {
			case <-n.ctx.Done():
				return
			case <-time.After(d):
			}
		}
		msg := map[string]any{"seq": i, "sentUs": time.Now().UnixMicro(), "pad": pad}
		ev := &Event{ID: uuidV4(), FromPeerId: n.host.ID().String(), Message: msg, Timestamp: time.Now().Unix()}
		data, err := json.Marshal(ev)
		if err == nil {
			err = jt.topic.Publish(n.ctx, data)
		}
		if err != nil {
			errors++
		}
	}
	n.out.line(map[string]any{"type": "loaded", "topic": topic, "count": count, "errors": errors, "ms": time.Since(start).Milliseconds()})
}

// loadCommand parses "load <topic> <count> <intervalMs> <size>".
func (n *node) loadCommand(rest string) {
	f := strings.Fields(rest)
	if len(f) != 4 {
		n.out.line(map[string]any{"type": "error", "context": "load", "error": "usage: load <topic> <count> <intervalMs> <size>"})
		return
	}
	count, e1 := strconv.Atoi(f[1])
	intervalMs, e2 := strconv.Atoi(f[2])
	size, e3 := strconv.Atoi(f[3])
	if e1 != nil || e2 != nil || e3 != nil || count < 0 || intervalMs < 0 || size < 0 {
		n.out.line(map[string]any{"type": "error", "context": "load", "error": "count, intervalMs and size must be non-negative integers"})
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		n.load(f[0], count, time.Duration(intervalMs)*time.Millisecond, size)
	}()
}
