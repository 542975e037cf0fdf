package main

import (
	"fmt"
	"testing"
)

func BenchmarkTraits(b *testing.B) {
	c := newTraitsChecker(newSharedJS("../pb_hooks"))
	for i := 0; i < b.N; i++ {
		raw := map[string]any{"name": "王小明", "phone": fmt.Sprintf("138%08d", i*7919%100000000), "email": "wangxiaoming1985.12@qq.com", "region": "浙江省杭州市", "address": "西湖区文三路 100 号"}
		if _, e := c.Check(raw); e != nil {
			b.Fatal(e)
		}
	}
}
