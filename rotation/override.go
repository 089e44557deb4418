package rotation

import (
	"container/heap"
	"sort"
	"time"
)

// flatten turns overlapping overrides into disjoint segments, each holding
// the newest override in force there, so that a lookup is one binary search
// however many overrides there are.
func flatten(overrides []Override) []segment {
	type edge struct {
		at    time.Time
		start bool
		o     Override
	}
	edges := make([]edge, 0, 2*len(overrides))
	for _, o := range overrides {
		edges = append(edges, edge{o.Start, true, o}, edge{o.End, false, o})
	}
	sort.Slice(edges, func(i, j int) bool { return edges[i].at.Before(edges[j].at) })

	active := &newestFirst{}
	ended := map[int64]bool{} // removed lazily, when they reach the top
	var out []segment
	for i := 0; i < len(edges); {
		at := edges[i].at
		for ; i < len(edges) && edges[i].at.Equal(at); i++ {
			if edges[i].start {
				heap.Push(active, edges[i].o)
				delete(ended, edges[i].o.ID)
			} else {
				ended[edges[i].o.ID] = true
			}
		}
		for active.Len() > 0 && ended[(*active)[0].ID] {
			heap.Pop(active)
		}
		if i == len(edges) || active.Len() == 0 {
			continue
		}
		top, next := (*active)[0], edges[i].at
		if n := len(out); n > 0 && out[n-1].override.ID == top.ID && out[n-1].End.Equal(at) {
			out[n-1].End = next
			continue
		}
		out = append(out, segment{Range: Range{at, next}, override: top})
	}
	return out
}

// newestFirst is a heap of overrides, the largest ID on top.
type newestFirst []Override

func (h newestFirst) Len() int           { return len(h) }
func (h newestFirst) Less(i, j int) bool { return h[i].ID > h[j].ID }
func (h newestFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *newestFirst) Push(x any)        { *h = append(*h, x.(Override)) }
func (h *newestFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
