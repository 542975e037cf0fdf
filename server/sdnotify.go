// systemd integration (deploy/crm.service): with Type=notify the server says READY=1 once it serves,
// STOPPING=1 on SIGTERM, and, when the unit sets WatchdogSec, WATCHDOG=1 at half that interval, but
// only while the database answers a query: a server that hangs on its database is restarted by
// systemd instead of sitting there. Outside systemd (no NOTIFY_SOCKET) all of this does nothing.
package main

import (
	"net"
	"os"
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

func sdNotify(state string) bool {
	socket := os.Getenv("NOTIFY_SOCKET")
	if socket == "" {
		return false
	}
	if socket[0] == '@' {
		socket = "\x00" + socket[1:] // an abstract socket
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		return false
	}
	defer conn.Close()
	_, err = conn.Write([]byte(state))
	return err == nil
}

// watchdogInterval is half of WatchdogSec, from WATCHDOG_USEC (0 when there is no watchdog).
func watchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

func registerSystemd(app core.App) {
	if os.Getenv("NOTIFY_SOCKET") == "" {
		return
	}
	stop := make(chan struct{})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := se.Next(); err != nil {
			return err
		}
		sdNotify("READY=1")
		if every := watchdogInterval(); every > 0 {
			go func() {
				tick := time.NewTicker(every)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						var one int
						if err := app.DB().NewQuery("SELECT 1").Row(&one); err == nil {
							sdNotify("WATCHDOG=1")
						}
					}
				}
			}()
		}
		return nil
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		sdNotify("STOPPING=1")
		close(stop)
		return e.Next()
	})
}
