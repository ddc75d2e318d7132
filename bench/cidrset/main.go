// The cidrset side of `npm run bench:allocator`: the workloads of
// bench/allocator.ts, in the same order and on the same inputs, driven round
// by round over stdin/stdout. The parent writes one JSON line of inputs (the
// pinned block indices, the churn victims), reads "ready", then writes a
// workload number per line; each is set up untimed, timed once, and answered
// with its milliseconds.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

type inputs struct {
	Pins    []int `json:"pins"`
	Victims []int `json:"victims"`
}

var sink int

func mustCIDR(s string) *net.IPNet {
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	return n
}

func mustSet(cidr *net.IPNet, bits int) *CidrSet {
	s, err := NewCIDRSet(cidr, bits)
	if err != nil {
		panic(err)
	}
	return s
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func next(s *CidrSet) *net.IPNet {
	b, err := s.AllocateNext()
	if err != nil {
		panic(err)
	}
	return b
}

// block24 is block i of 10.0.0.0/11 as a caller has it: parsed from its text.
func block24(i int) *net.IPNet { return mustCIDR(fmt.Sprintf("10.%d.%d.0/24", i>>8, i&255)) }

func main() {
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadString('\n')
	must(err)
	var x inputs
	must(json.Unmarshal([]byte(line), &x))
	v11 := mustCIDR("10.0.0.0/11")
	v48 := mustCIDR("fd00:10:1::/48")
	blocks11 := make([]*net.IPNet, 8192)
	for i := range blocks11 {
		blocks11[i] = block24(i)
	}
	pins := make([]*net.IPNet, len(x.Pins))
	for k, i := range x.Pins {
		pins[k] = block24(i)
	}
	// Each returns the timed part, its state set up.
	workloads := []func() func(){
		func() func() { // allocate all 8,192 /24s of a /11
			return func() {
				s := mustSet(v11, 24)
				for k := 0; k < 8192; k++ {
					sink ^= len(next(s).IP)
				}
			}
		},
		func() func() { // release all 8,192
			s := mustSet(v11, 24)
			held := make([]*net.IPNet, 8192)
			for k := range held {
				held[k] = next(s)
			}
			return func() {
				for _, b := range held {
					must(s.Release(b))
				}
			}
		},
		func() func() { // 10,000 release+allocate rounds at 5,000 used
			s := mustSet(v11, 24)
			held := make([]*net.IPNet, 5000)
			for k := range held {
				held[k] = next(s)
			}
			return func() {
				for _, v := range x.Victims {
					must(s.Release(held[v]))
					held[v] = next(s)
				}
			}
		},
		func() func() { // allocate all 65,536 /64s of a /48
			return func() {
				s := mustSet(v48, 64)
				for k := 0; k < 65536; k++ {
					sink ^= len(next(s).IP)
				}
			}
		},
		func() func() { // pin 5,000 random /24s of a /11
			return func() {
				s := mustSet(v11, 24)
				for _, p := range pins {
					must(s.Occupy(p))
				}
				sink ^= s.allocatedCIDRs
			}
		},
		func() func() { // then allocate 3,000 more
			s := mustSet(v11, 24)
			for _, p := range pins {
				must(s.Occupy(p))
			}
			return func() {
				for k := 0; k < 3000; k++ {
					sink ^= len(next(s).IP)
				}
			}
		},
		func() func() { // one allocation at 8,191 of 8,192 used
			s := mustSet(v11, 24)
			for i := 0; i < 8191; i++ {
				must(s.Occupy(blocks11[i]))
			}
			return func() { sink ^= len(next(s).IP) }
		},
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready")
	must(out.Flush())
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return
		}
		k, err := strconv.Atoi(strings.TrimSpace(line))
		must(err)
		timed := workloads[k]()
		t0 := time.Now()
		timed()
		ms := float64(time.Since(t0).Nanoseconds()) / 1e6
		fmt.Fprintf(out, "%g\n", ms)
		must(out.Flush())
	}
}
