// Group commit for event ingestion (pb_hooks/lib/ingest.js).
//
// Every ingestion batch is one transaction with a durable commit (synchronous=FULL: an fsync), and
// SQLite has one writer. Committing batches one by one would spend most of the writer's time waiting
// for the disk. So the JS hook works out a batch's writes (its "plan": checks and statements, plain
// data) and hands it to crmCommit, which queues it; one goroutine takes every queued plan, applies
// each inside its own savepoint of ONE transaction, and commits them with one fsync. Each caller gets
// its own answer only after that commit.
//
// A plan was worked out from look-ups made before the transaction. Its checks are those look-ups
// with the rows they found; if a check finds other rows now (another batch got there first), the
// plan's savepoint is rolled back and the caller is told "stale", so it looks again and re-plans.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"slices"
	"time"

	"github.com/dop251/goja"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

type planQuery struct {
	SQL    string         `json:"sql"`
	Params map[string]any `json:"params"`
	// For checks: the rows (one text column) the look-up found before the transaction.
	Expect []string `json:"expect"`
}

type plan struct {
	Checks     []planQuery `json:"checks"`
	Statements []planQuery `json:"statements"`
}

type pendingPlan struct {
	plan plan
	done chan string
}

// CRM_PROFILE=1 logs each group's size and times.
var profile = os.Getenv("CRM_PROFILE") != ""

// maxGroup bounds one transaction: at most this many batches share an fsync.
const maxGroup = 32

type groupCommitter struct {
	app   core.App
	queue chan *pendingPlan
}

func newGroupCommitter(app core.App) *groupCommitter {
	g := &groupCommitter{app: app, queue: make(chan *pendingPlan, 1024)}
	go g.run()
	return g
}

// bind exposes crmCommit(planJSON) -> "ok" | "stale" | "error: ..." to the JS hooks.
func (g *groupCommitter) bind(vm *goja.Runtime) {
	vm.Set("crmCommit", func(planJSON string) string {
		var p plan
		if err := json.Unmarshal([]byte(planJSON), &p); err != nil {
			return "error: the plan is not valid JSON: " + err.Error()
		}
		pending := &pendingPlan{plan: p, done: make(chan string, 1)}
		g.queue <- pending
		return <-pending.done
	})
}

func (g *groupCommitter) run() {
	for first := range g.queue {
		group := []*pendingPlan{first}
	drain:
		for len(group) < maxGroup {
			select {
			case p := <-g.queue:
				group = append(group, p)
			default:
				break drain
			}
		}
		g.commit(group)
	}
}

func (g *groupCommitter) commit(group []*pendingPlan) {
	started := time.Now()
	var applied time.Duration
	defer func() {
		if profile {
			log.Printf("groupcommit batches=%d apply=%s total=%s", len(group), applied, time.Since(started))
		}
	}()
	results := make([]string, len(group))
	err := g.app.RunInTransaction(func(tx core.App) error {
		db := tx.DB()
		for i, p := range group {
			savepoint := fmt.Sprintf("crm_plan_%d", i)
			if _, err := db.NewQuery("SAVEPOINT " + savepoint).Execute(); err != nil {
				return err
			}
			results[i] = apply(db, p.plan)
			if results[i] != "ok" {
				if _, err := db.NewQuery("ROLLBACK TO " + savepoint).Execute(); err != nil {
					return err
				}
			}
			if _, err := db.NewQuery("RELEASE " + savepoint).Execute(); err != nil {
				return err
			}
		}
		applied = time.Since(started)
		return nil
	})
	for i, p := range group {
		if err != nil {
			// Nothing of the group was stored: every caller hears so.
			p.done <- "error: the transaction failed: " + err.Error()
		} else {
			p.done <- results[i]
		}
	}
}

func apply(db dbx.Builder, p plan) string {
	for _, c := range p.Checks {
		var got []string
		if err := db.NewQuery(c.SQL).Bind(dbx.Params(c.Params)).Column(&got); err != nil {
			return "error: " + err.Error()
		}
		want := slices.Clone(c.Expect)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return "stale"
		}
	}
	for _, s := range p.Statements {
		if _, err := db.NewQuery(s.SQL).Bind(dbx.Params(s.Params)).Execute(); err != nil {
			return "error: " + err.Error()
		}
	}
	return "ok"
}
