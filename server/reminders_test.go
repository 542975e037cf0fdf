package main

import (
	"testing"
	"time"
)

func TestReminderSettings(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int
	}{{"", 9}, {"0", 0}, {"23", 23}, {"24", 9}, {"-1", 9}, {"nine", 9}, {"off", -1}, {"OFF", -1}} {
		t.Setenv("CRM_REMINDER_HOUR", c.env)
		if got := reminderHour(); got != c.want {
			t.Errorf("CRM_REMINDER_HOUR=%q: %d, want %d", c.env, got, c.want)
		}
	}
	for _, c := range []struct {
		env  string
		want time.Duration
	}{{"", 5 * time.Minute}, {"1s", time.Second}, {"10ms", 5 * time.Minute}, {"soon", 5 * time.Minute}} {
		t.Setenv("CRM_REMINDER_EVERY", c.env)
		if got := reminderInterval(); got != c.want {
			t.Errorf("CRM_REMINDER_EVERY=%q: %v, want %v", c.env, got, c.want)
		}
	}
}
