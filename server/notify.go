// Realtime hints for customer_stats. The event ingestion and the RFM refresh write customer_stats with
// SQL, which fires no record events, so devices subscribed to the collection would not hear of the
// new figures until their next reconnect. After such writes, every client subscribed to customer_stats
// gets a message naming no record (nothing to leak past the list rule); the device's replication pulls
// from its checkpoint through the list API as for any realtime event. At most one hint every 2 seconds.
package main

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

type statsNotifier struct {
	app     core.App
	pending atomic.Bool
}

func newStatsNotifier(app core.App) *statsNotifier {
	n := &statsNotifier{app: app}
	go func() {
		for range time.Tick(2 * time.Second) {
			if n.pending.Swap(false) {
				n.send()
			}
		}
	}()
	return n
}

// Changed marks customer_stats as written; the hint goes out within 2 seconds.
func (n *statsNotifier) Changed() { n.pending.Store(true) }

func (n *statsNotifier) send() {
	data := []byte(`{"action":"update","record":{}}`)
	for _, client := range n.app.SubscriptionsBroker().Clients() {
		for sub := range client.Subscriptions("customer_stats/") {
			if strings.HasPrefix(sub, "customer_stats/") {
				client.Send(subscriptions.Message{Name: sub, Data: data})
			}
		}
	}
}

// bind exposes crmStatsChanged() to the JS hooks (the RFM refresh).
func (n *statsNotifier) bind(vm *goja.Runtime) {
	vm.Set("crmStatsChanged", n.Changed)
}
