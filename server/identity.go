// The shop's signature on a customer id (docs/api/ingestion.md, "Identity"; docs/api/chat.md).
//
// A browser key is public: anyone can send events with it. So an event sent with a browser key names
// a shop customer (customer_id, and with it traits that create or fill that customer) only with the
// shop's signature of that id, the same one the chat widget takes:
//
//	customer_ts  = seconds since 1970 when the shop signed it
//	customer_sig = hex HMAC-SHA256(secret, customer_id + "." + customer_ts)
//
// with the secret in CRM_SHOP_IDENTITY_SECRET (or CRM_CHAT_IDENTITY_SECRET). A signature is good for
// browserIdentityMaxAge, so events queued offline on the shopper's device still count. A server key
// needs none: the shop's back end is trusted.
package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

const browserIdentityMaxAge = 7 * 24 * time.Hour

// shopIdentitySecret: CRM_SHOP_IDENTITY_SECRET, or the chat's CRM_CHAT_IDENTITY_SECRET.
func shopIdentitySecret() string {
	if s := os.Getenv("CRM_SHOP_IDENTITY_SECRET"); s != "" {
		return s
	}
	return os.Getenv("CRM_CHAT_IDENTITY_SECRET")
}

// ensureDemoIdentitySecret: with the demo shop on and no secret set, one for this run, so the demo
// storefront's "log in as" can be signed (POST /api/crm/demo/identity).
func ensureDemoIdentitySecret() {
	if !demoShopEnabled() || shopIdentitySecret() != "" {
		return
	}
	buf := make([]byte, 32)
	_, _ = rand.Read(buf)
	os.Setenv("CRM_SHOP_IDENTITY_SECRET", hex.EncodeToString(buf))
}

func signCustomer(secret, customerID string, ts int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(customerID + "." + strconv.FormatInt(ts, 10)))
	return hex.EncodeToString(mac.Sum(nil))
}

// checkSignedCustomer checks a browser event's customer_ts and customer_sig for its customer_id.
func checkSignedCustomer(raw map[string]any, customerID string, ctx eventContext) *fieldError {
	if ctx.identitySecret == "" {
		return &fieldError{"customer_id", "identity_unsigned", "a browser key may send customer_id only signed by the shop, and this server has no CRM_SHOP_IDENTITY_SECRET: send it from the shop's server key"}
	}
	sig, _ := raw["customer_sig"].(string)
	var ts int64
	switch v := raw["customer_ts"].(type) {
	case float64:
		if v == math.Trunc(v) {
			ts = int64(v)
		}
	case string:
		ts, _ = strconv.ParseInt(v, 10, 64)
	}
	if sig == "" || ts <= 0 {
		return &fieldError{"customer_id", "identity_unsigned", "a browser key may send customer_id only with the shop's signature (customer_ts, customer_sig)"}
	}
	age := time.Duration(ctx.now-ts*1000) * time.Millisecond
	if age > browserIdentityMaxAge || age < -10*time.Minute {
		return &fieldError{"customer_ts", "identity_expired", "the shop's signature of customer_id is older than 7 days (or in the future): sign it again"}
	}
	want := signCustomer(ctx.identitySecret, customerID, ts)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(sig))) {
		return &fieldError{"customer_sig", "identity_invalid", "customer_sig is not the shop's signature of customer_id"}
	}
	return nil
}
