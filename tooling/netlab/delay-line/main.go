// delay-line: a userspace stand-in for `tc netem delay`, for kernels built without sch_netem.
//
// It owns a TUN device in the hub namespace of a netlab region topology. Every node has a real
// address (fd00:<real>:<region>::<n>, on its region namespace's uplink) and a virtual one
// (fd00:<virtual>:<region>::<n>, the address it announces). The hub routes the virtual prefix into
// the TUN device; this program reads each packet (src real, dst virtual), rewrites it to
// (src virtual, dst real), holds it for the one-way delay between the two regions and writes it
// back, and the hub routes it to the destination's region. The rewrite changes one 16-bit word of
// each address by +1 and -1, so it is checksum-neutral (RFC 6296's trick): TCP, UDP and ICMPv6
// checksums stay valid without being touched. Traffic inside a region takes the same path (the
// virtual address is not local to the region's namespace), so it is delayed too.
//
// Packets of one region pair leave in the order they came, each exactly `delay` after it was read
// (a FIFO per pair with a constant delay). Standard library only.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const (
	iffTun    = 0x0001
	iffNoPi   = 0x1000
	tunSetIff = 0x400454ca
	queueLen  = 1 << 16
)

type packet struct {
	release time.Time
	data    []byte
}

func openTun(name string) (int, error) {
	fd, err := syscall.Open("/dev/net/tun", syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	var ifr [40]byte
	copy(ifr[:16], name)
	*(*uint16)(unsafe.Pointer(&ifr[16])) = iffTun | iffNoPi
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), tunSetIff, uintptr(unsafe.Pointer(&ifr[0]))); errno != 0 {
		syscall.Close(fd)
		return -1, fmt.Errorf("TUNSETIFF %s: %w", name, errno)
	}
	return fd, nil
}

// parseDelays reads a square matrix of one-way delays in milliseconds: rows separated by ';',
// columns by ',' (row = source region, column = destination region, regions numbered from 1).
func parseDelays(spec string) ([][]time.Duration, error) {
	rows := strings.Split(spec, ";")
	matrix := make([][]time.Duration, len(rows))
	for i, row := range rows {
		cols := strings.Split(row, ",")
		if len(cols) != len(rows) {
			return nil, fmt.Errorf("delay matrix row %d has %d columns, want %d", i+1, len(cols), len(rows))
		}
		matrix[i] = make([]time.Duration, len(cols))
		for j, col := range cols {
			ms, err := strconv.ParseFloat(strings.TrimSpace(col), 64)
			if err != nil || ms < 0 {
				return nil, fmt.Errorf("delay matrix row %d column %d: %q is not a delay in ms", i+1, j+1, col)
			}
			matrix[i][j] = time.Duration(ms * float64(time.Millisecond))
		}
	}
	return matrix, nil
}

func main() {
	tunName := flag.String("tun", "dl0", "TUN device to create")
	realWord := flag.Uint("real", 0x10, "second 16-bit word of real (local) addresses")
	virtualWord := flag.Uint("virtual", 0x11, "second 16-bit word of virtual (announced) addresses; must be real+1")
	delaySpec := flag.String("delays", "", "one-way delays in ms: rows ';', columns ',' (source region row, destination column)")
	flag.Parse()
	if *virtualWord != *realWord+1 {
		fmt.Fprintln(os.Stderr, "delay-line: -virtual must be -real + 1 (checksum-neutral rewrite)")
		os.Exit(2)
	}
	delays, err := parseDelays(*delaySpec)
	if err != nil || len(delays) == 0 {
		fmt.Fprintf(os.Stderr, "delay-line: bad -delays: %v\n", err)
		os.Exit(2)
	}
	fd, err := openTun(*tunName)
	if err != nil {
		fmt.Fprintf(os.Stderr, "delay-line: %v\n", err)
		os.Exit(1)
	}
	regions := len(delays)
	queues := make([]chan packet, regions*regions)
	for i := range queues {
		queues[i] = make(chan packet, queueLen)
		go func(q chan packet) {
			for p := range q {
				// nanosleep on this goroutine's thread: Go's timers wake up to ~1 ms late, which
				// would add ~1 ms to each 2.5 ms hop.
				if wait := time.Until(p.release); wait > 0 {
					ts := syscall.NsecToTimespec(wait.Nanoseconds())
					for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
					}
				}
				syscall.Write(fd, p.data)
			}
		}(queues[i])
	}
	var dropped atomic.Uint64
	go func() {
		buf := make([]byte, 65536)
		for {
			n, err := syscall.Read(fd, buf)
			if err != nil {
				if err == syscall.EINTR || err == syscall.EAGAIN {
					continue
				}
				fmt.Fprintf(os.Stderr, "delay-line: read: %v\n", err)
				os.Exit(1)
			}
			now := time.Now()
			if n < 40 || buf[0]>>4 != 6 {
				dropped.Add(1)
				continue
			}
			srcWord := uint(buf[10])<<8 | uint(buf[11])
			dstWord := uint(buf[26])<<8 | uint(buf[27])
			src := int(buf[12])<<8 | int(buf[13])
			dst := int(buf[28])<<8 | int(buf[29])
			if srcWord != *realWord || dstWord != *virtualWord || src < 1 || src > regions || dst < 1 || dst > regions {
				dropped.Add(1)
				continue
			}
			// src real -> virtual (+1), dst virtual -> real (-1): the one's-complement sum is unchanged.
			buf[10], buf[11] = byte(*virtualWord>>8), byte(*virtualWord)
			buf[26], buf[27] = byte(*realWord>>8), byte(*realWord)
			data := make([]byte, n)
			copy(data, buf[:n])
			select {
			case queues[(src-1)*regions+dst-1] <- packet{release: now.Add(delays[src-1][dst-1]), data: data}:
			default:
				dropped.Add(1)
			}
		}
	}()
	fmt.Println("ready")
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	fmt.Fprintf(os.Stderr, "delay-line: stopping (%d packets dropped)\n", dropped.Load())
}
