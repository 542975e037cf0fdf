// Group commit for event ingestion (ingest.go).
//
// Every ingestion batch is one transaction with a durable commit (synchronous=FULL: an fsync), and
// SQLite has one writer. Committing batches one by one would spend much of the writer's time waiting
// for the disk. So each batch's work is queued; one goroutine takes every queued batch, runs each in
// its own savepoint of ONE transaction, and commits them with one fsync. Each caller gets its answer
// only after that commit (or hears that nothing of its batch was stored).
package main

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// CRM_PROFILE=1 logs each group's size and times.
var profile = os.Getenv("CRM_PROFILE") != ""

// maxGroup bounds one transaction: at most this many batches share an fsync.
const maxGroup = 32

type commitJob struct {
	run  func(tx core.App) error
	done chan error
}

type groupCommitter struct {
	app   core.App
	queue chan *commitJob
}

func newGroupCommitter(app core.App) *groupCommitter {
	g := &groupCommitter{app: app, queue: make(chan *commitJob, 1024)}
	go g.loop()
	return g
}

// Run queues the work and waits until the transaction it ran in is committed.
func (g *groupCommitter) Run(run func(tx core.App) error) error {
	job := &commitJob{run: run, done: make(chan error, 1)}
	g.queue <- job
	return <-job.done
}

func (g *groupCommitter) loop() {
	for first := range g.queue {
		group := []*commitJob{first}
	drain:
		for len(group) < maxGroup {
			select {
			case job := <-g.queue:
				group = append(group, job)
			default:
				break drain
			}
		}
		g.commit(group)
	}
}

func (g *groupCommitter) commit(group []*commitJob) {
	started := time.Now()
	results := make([]error, len(group))
	err := g.app.RunInTransaction(func(tx core.App) error {
		for i, job := range group {
			savepoint := fmt.Sprintf("crm_batch_%d", i)
			if _, err := tx.DB().NewQuery("SAVEPOINT " + savepoint).Execute(); err != nil {
				return err
			}
			results[i] = job.run(tx)
			if results[i] != nil {
				if _, err := tx.DB().NewQuery("ROLLBACK TO " + savepoint).Execute(); err != nil {
					return err
				}
			}
			if _, err := tx.DB().NewQuery("RELEASE " + savepoint).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
	if profile {
		log.Printf("groupcommit batches=%d took=%s", len(group), time.Since(started))
	}
	for i, job := range group {
		if err != nil {
			job.done <- fmt.Errorf("the transaction failed: %w", err) // nothing of the group was stored
		} else {
			job.done <- results[i]
		}
	}
}
