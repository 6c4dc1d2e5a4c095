package main

import (
	"encoding/json"
	"os"
	"sync"
)

// output writes one JSON object per line on stdout. Tests parse these lines, so
// every line is a complete JSON object and nothing else is ever printed on stdout.
type output struct {
	mu sync.Mutex
	f  *os.File
}

func newOutput() *output { return &output{f: os.Stdout} }

// line prints one JSON line. The secret key is never passed here.
func (o *output) line(v map[string]any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"type": "error", "error": "cannot encode output line: " + err.Error()})
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	_, _ = o.f.Write(append(b, '\n'))
}

func (o *output) errorLine(context string, err error) {
	o.line(map[string]any{"type": "error", "context": context, "error": err.Error()})
}
