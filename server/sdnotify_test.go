package main

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

func TestSdNotifySendsToTheSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", path)
	if !sdNotify("READY=1") {
		t.Fatal("not sent")
	}
	buf := make([]byte, 64)
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := conn.Read(buf)
	if err != nil || string(buf[:n]) != "READY=1" {
		t.Fatalf("got %q, %v", buf[:n], err)
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if sdNotify("READY=1") {
		t.Fatal("sent without systemd")
	}
}

func TestWatchdogInterval(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "30000000")
	t.Setenv("WATCHDOG_PID", "")
	if got := watchdogInterval(); got != 15*time.Second {
		t.Fatalf("interval %v", got)
	}
	t.Setenv("WATCHDOG_PID", "1")
	if got := watchdogInterval(); got != 0 {
		t.Fatalf("another process's watchdog: %v", got)
	}
	t.Setenv("WATCHDOG_USEC", "")
	if got := watchdogInterval(); got != 0 {
		t.Fatalf("no watchdog: %v", got)
	}
}

func TestDrainWaitsForRequestsUnderWay(t *testing.T) {
	d := &drainer{}
	d.inFlight.Add(1)
	go func() {
		time.Sleep(100 * time.Millisecond)
		d.inFlight.Add(-1)
	}()
	start := time.Now()
	if !d.drain(2 * time.Second) {
		t.Fatal("drain gave up")
	}
	if took := time.Since(start); took < 90*time.Millisecond {
		t.Fatalf("returned before the request finished (%v)", took)
	}
	if !d.draining.Load() {
		t.Fatal("not refusing new requests")
	}
	d.inFlight.Add(1)
	if d.drain(50 * time.Millisecond) {
		t.Fatal("a request that never ends did not time out")
	}
}
