// Settings → Campaigns (administrators): the e-mail server and sender (PocketBase's own SMTP
// settings), the SMS gateway, sending rates, the address links in messages point to, and when a
// second person must approve a campaign.
//
//	GET /api/crm/settings/campaigns   → the settings, secrets left out (has_password, has_secret)
//	PUT /api/crm/settings/campaigns   ← the same shape; a secret left empty keeps the stored one
package main

import (
	"encoding/json"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

type campaignSettings struct {
	PublicURL string      `json:"public_url"`
	SMS       smsSettings `json:"sms"`
	Rates     struct {
		EmailPerSecond int `json:"email_per_second"`
		SMSPerSecond   int `json:"sms_per_second"`
	} `json:"rates"`
	Approval struct {
		Above  int  `json:"above"`
		Offers bool `json:"offers"`
	} `json:"approval"`
	Effect effectSettings `json:"effect"`
}

// effectSettings: what a campaign's return on investment counts (docs/campaign-effect.md): the
// shop's gross margin on extra revenue, and what each message costs by channel (added to the
// campaign's own cost).
type effectSettings struct {
	MarginPercent float64            `json:"margin_percent"`
	MessageCost   map[string]float64 `json:"message_cost"`
}

const defaultMarginPercent = 30

func readCampaignSettings(app core.App) campaignSettings {
	s := campaignSettings{}
	var raw string
	_ = app.DB().NewQuery("SELECT value FROM crm_settings WHERE key = 'campaigns'").Row(&raw)
	if raw != "" {
		_ = json.Unmarshal([]byte(raw), &s)
	}
	if s.Rates.EmailPerSecond <= 0 {
		s.Rates.EmailPerSecond = 200
	}
	if s.Rates.SMSPerSecond <= 0 {
		s.Rates.SMSPerSecond = 50
	}
	if s.Effect.MarginPercent <= 0 {
		s.Effect.MarginPercent = defaultMarginPercent
	}
	if s.Effect.MessageCost == nil {
		s.Effect.MessageCost = map[string]float64{}
	}
	return s
}

func writeCampaignSettings(app core.App, s campaignSettings) error {
	raw, _ := json.Marshal(s)
	_, err := app.DB().NewQuery(`INSERT INTO crm_settings (key, value) VALUES ('campaigns', {:v})
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`).Bind(dbx.Params{"v": string(raw)}).Execute()
	return err
}

type emailSettingsBody struct {
	Enabled       bool   `json:"enabled"`
	Host          string `json:"host"`
	Port          int    `json:"port"`
	Username      string `json:"username"`
	Password      string `json:"password,omitempty"`
	TLS           bool   `json:"tls"`
	SenderName    string `json:"sender_name"`
	SenderAddress string `json:"sender_address"`
	HasPassword   bool   `json:"has_password"`
}

type settingsBody struct {
	Email    emailSettingsBody `json:"email"`
	SMS      smsSettings       `json:"sms"`
	HasSMS   bool              `json:"has_sms_secret"`
	Public   string            `json:"public_url"`
	Rates    json.RawMessage   `json:"rates"`
	Approval json.RawMessage   `json:"approval"`
	Effect   json.RawMessage   `json:"effect"`
}

func registerCampaignSettings(se *core.ServeEvent) {
	se.Router.GET("/api/crm/settings/campaigns", func(e *core.RequestEvent) error {
		if err := requireAdmin(e); err != nil {
			return err
		}
		s := readCampaignSettings(e.App)
		smtp := e.App.Settings().SMTP
		meta := e.App.Settings().Meta
		rates, _ := json.Marshal(s.Rates)
		approval, _ := json.Marshal(s.Approval)
		effect, _ := json.Marshal(s.Effect)
		hasSecret := s.SMS.Secret != ""
		s.SMS.Secret = ""
		return e.JSON(http.StatusOK, settingsBody{
			Email: emailSettingsBody{Enabled: smtp.Enabled, Host: smtp.Host, Port: smtp.Port, Username: smtp.Username, TLS: smtp.TLS,
				SenderName: meta.SenderName, SenderAddress: meta.SenderAddress, HasPassword: smtp.Password != ""},
			SMS: s.SMS, HasSMS: hasSecret, Public: publicURL(e.App), Rates: rates, Approval: approval, Effect: effect,
		})
	}).Bind(apis.RequireAuth("staff"))

	se.Router.PUT("/api/crm/settings/campaigns", func(e *core.RequestEvent) error {
		if err := requireAdmin(e); err != nil {
			return err
		}
		var body settingsBody
		if err := e.BindBody(&body); err != nil {
			return fieldErr("email", "invalid", "The settings must be JSON.")
		}
		s := readCampaignSettings(e.App)
		if body.Public != "" {
			u, err := url.Parse(body.Public)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fieldErr("public_url", "invalid", "The CRM's address must be like https://crm.example.com")
			}
			s.PublicURL = strings.TrimRight(body.Public, "/")
		}
		em := body.Email
		if em.Enabled {
			if em.Host == "" || em.Port <= 0 || em.Port > 65535 {
				return fieldErr("email.host", "required", "Give the e-mail server's host and port.")
			}
			if _, err := mail.ParseAddress(em.SenderAddress); err != nil {
				return fieldErr("email.sender_address", "invalid", "The sender needs a valid e-mail address.")
			}
		}
		if body.SMS.URL != "" {
			u, err := url.Parse(body.SMS.URL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fieldErr("sms.url", "invalid", "The SMS gateway's address must be like https://sms.example.com/send")
			}
		}
		secret := s.SMS.Secret
		s.SMS = body.SMS
		if s.SMS.Secret == "" {
			s.SMS.Secret = secret
		}
		if len(body.Rates) > 0 {
			_ = json.Unmarshal(body.Rates, &s.Rates)
		}
		if len(body.Approval) > 0 {
			_ = json.Unmarshal(body.Approval, &s.Approval)
		}
		if len(body.Effect) > 0 {
			var ef effectSettings
			if err := json.Unmarshal(body.Effect, &ef); err != nil {
				return fieldErr("effect", "invalid", "The margin and message costs must be numbers.")
			}
			if ef.MarginPercent <= 0 || ef.MarginPercent > 100 {
				return fieldErr("effect.margin_percent", "out_of_range", "The margin is a percentage above 0 and at most 100.")
			}
			for ch, v := range ef.MessageCost {
				if channelPurpose[ch] == "" || ch == "task" {
					return fieldErr("effect.message_cost", "invalid", "Message costs are per channel: email, sms, onsite or chat.")
				}
				if v < 0 || v > 100 {
					return fieldErr("effect.message_cost."+ch, "out_of_range", "A message costs between 0 and 100.")
				}
			}
			s.Effect = ef
		}
		if s.Rates.EmailPerSecond < 0 || s.Rates.EmailPerSecond > 5000 || s.Rates.SMSPerSecond < 0 || s.Rates.SMSPerSecond > 5000 {
			return fieldErr("rates", "out_of_range", "Sending rates are between 1 and 5000 a second.")
		}
		settings := e.App.Settings()
		settings.SMTP.Enabled = em.Enabled
		settings.SMTP.Host = em.Host
		settings.SMTP.Port = em.Port
		settings.SMTP.Username = em.Username
		if em.Password != "" {
			settings.SMTP.Password = em.Password
		}
		settings.SMTP.TLS = em.TLS
		if em.SenderAddress != "" {
			settings.Meta.SenderAddress = em.SenderAddress
		}
		if em.SenderName != "" {
			settings.Meta.SenderName = em.SenderName
		}
		if err := e.App.Save(settings); err != nil {
			return fieldErr("email", "invalid", "The e-mail settings were refused: "+err.Error())
		}
		if err := writeCampaignSettings(e.App, s); err != nil {
			return e.InternalServerError("The settings could not be saved.", err)
		}
		return e.JSON(http.StatusOK, map[string]any{"saved": true})
	}).Bind(apis.RequireAuth("staff"))
}
