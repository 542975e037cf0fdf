/*! CRM shop tracker: <script src="https://crm.example/tracker.js" data-key="crm_pk_…" async></script>
 * Options, API and delivery rules: README.md "How the shop connects"; the API: docs/api/ingestion.md. */
(function (w, d, nav) {
	'use strict';
	if (w.crm && w.crm.v) return;
	var cfg = w.crmTracker || {};
	var el = d.currentScript || d.querySelector('script[data-key]') || { getAttribute: function () {} };
	var opt = function (n) {
		return cfg[n] != null ? cfg[n] : el.getAttribute('data-' + n);
	};
	var key = opt('key');
	var endpoint = opt('endpoint') || (el.src ? new URL(el.src).origin : location.origin) + '/api/crm/events';
	// Do Not Track / GPC: treated as "ask first" (consent required), not as a silent no.
	var need = opt('consent') == 'required' || ((nav.doNotTrack == '1' || nav.globalPrivacyControl) && opt('dnt') != 'ignore');
	var BATCH = 20,
		MAX = 1000,
		FIELDS = ' id time anonymous_id product_id sku category price quantity order_id total items query url referrer traits ';
	var said = {},
		Q = [],
		timer = 0,
		busy = 0,
		tries = 0,
		dead = 0,
		last;

	function get(k) {
		try {
			return localStorage.getItem('crm_' + k);
		} catch (e) {
			return null;
		}
	}
	function set(k, v) {
		try {
			v == null ? localStorage.removeItem('crm_' + k) : localStorage.setItem('crm_' + k, v);
		} catch (e) {}
	}
	function say(k, m) {
		if (!said[k]) {
			said[k] = 1;
			console.warn('[crm] ' + m);
		}
	}
	function emit(n, x) {
		try {
			w.dispatchEvent(new CustomEvent('crm:' + n, { detail: x }));
		} catch (e) {}
	}

	var consent = get('consent'); // '1' granted, '0' refused, null not asked
	// cid: the shop's signed customer id {customer_id, ts, sig} (a browser key sends no unsigned one).
	var aid = get('aid'),
		cid = signed(get('cid'));
	function signed(v) {
		try {
			v = typeof v == 'string' ? JSON.parse(v) : v;
		} catch (e) {
			v = null;
		}
		return v && v.customer_id && v.ts && v.sig ? { customer_id: String(v.customer_id), ts: v.ts, sig: String(v.sig) } : null;
	}
	function allowed() {
		return consent == '1' || (!need && consent != '0');
	}
	function pending() {
		return need && consent == null;
	} // held in memory only, sent if granted

	function uid() {
		var a = new Uint8Array(16),
			s = '',
			i;
		try {
			crypto.getRandomValues(a);
		} catch (e) {
			for (i = 0; i < 16; i++) a[i] = Math.random() * 256;
		}
		for (i = 0; i < 16; i++) s += (a[i] + 256).toString(16).slice(1);
		return s;
	}

	// The queue lives in localStorage (shared by the shop's tabs; the server drops repeats by id).
	function load() {
		if (allowed())
			try {
				Q = JSON.parse(localStorage.getItem('crm_q')) || [];
			} catch (e) {}
		return Q;
	}
	function save(q) {
		if (q.length > MAX) say('full', 'queue full, oldest events dropped');
		Q = q.slice(-MAX);
		if (allowed()) set('q', Q.length ? JSON.stringify(Q) : null);
	}
	function remove(ids) {
		save(
			load().filter(function (e) {
				return ids.indexOf(e.id) < 0;
			})
		);
	}
	function body(events) {
		return JSON.stringify({ key: key, sent_at: Date.now(), events: events }, function (k, v) {
			return k == '_b' ? void 0 : v;
		});
	}
	// Events handed to sendBeacon are not sent again for 10 s (if the page lives on, they are re-sent then).
	function ready(q) {
		var t = Date.now() - 1e4;
		return q.filter(function (e) {
			return !(e._b > t);
		});
	}
	function later(ms) {
		clearTimeout(timer);
		timer = setTimeout(flush, ms);
	}

	function track(type, f) {
		if (!key) return say('key', 'no key: set data-key on the script tag');
		if (!allowed() && !pending()) return;
		if (!aid) {
			aid = uid();
			if (allowed()) set('aid', aid);
		}
		var e = { id: uid(), type: type, time: Date.now(), anonymous_id: aid, url: location.href },
			p = {},
			n = 0,
			k;
		if (cid) ((e.customer_id = cid.customer_id), (e.customer_ts = cid.ts), (e.customer_sig = cid.sig));
		f = f || {};
		for (k in f) {
			if (k == 'properties') for (var j in f[k]) ((p[j] = f[k][j]), n++);
			else if (FIELDS.indexOf(' ' + k + ' ') >= 0) e[k] = f[k];
			else if (f[k] !== void 0) ((p[k] = f[k]), n++);
		}
		if (n) e.properties = p;
		var q = load();
		q.push(e);
		save(q);
		emit('event', e);
		if (q.length >= BATCH && !tries) flush();
		else if (!timer) later(2000);
		return e.id;
	}

	function page(f) {
		var u = location.href,
			e = { url: u, referrer: last || d.referrer || void 0, title: d.title },
			k;
		for (k in f) e[k] = f[k];
		last = u;
		var id = track('page_view', e);
		if (id) onsite();
		return id;
	}

	// On-site campaign messages (README "Campaigns"): at most one per page view, for this shopper only,
	// shown as text; seen, clicked and closed are sent back as events.
	var shown;
	function onsite() {
		if (opt('onsite') == 'off' || !allowed() || shown || nav.onLine === false || (!cid && !aid)) return;
		var p = 'key=' + encodeURIComponent(key) + '&anonymous_id=' + encodeURIComponent(aid || '');
		if (cid) p += '&customer_id=' + encodeURIComponent(cid.customer_id) + '&customer_ts=' + cid.ts + '&customer_sig=' + cid.sig;
		fetch(endpoint.replace(/\/events$/, '/onsite') + '?' + p, { credentials: 'omit' })
			.then(function (r) {
				return r.status == 200 ? r.json() : null;
			})
			.then(function (m) {
				if (m && m.delivery && !shown) show(m);
			})
			['catch'](function () {});
	}
	function show(m) {
		shown = m;
		var box = d.createElement('div'),
			text = d.createElement('div'),
			x = d.createElement('button'),
			s = box.style;
		var report = function (type) {
			track(type, { properties: { delivery: m.delivery, campaign: m.campaign } });
		};
		box.setAttribute('role', m.style == 'popup' ? 'dialog' : 'region');
		box.setAttribute('aria-label', m.title || '活动');
		box.setAttribute('data-crm-onsite', m.campaign);
		s.cssText =
			m.style == 'popup'
				? 'position:fixed;left:50%;top:30%;transform:translate(-50%,-30%);max-width:22rem;width:90%;z-index:2147483000;background:#fff;color:#0f172a;border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.25);padding:1.25rem;font:15px/1.5 system-ui,sans-serif'
				: 'position:fixed;left:0;right:0;top:0;z-index:2147483000;background:#0f766e;color:#fff;padding:.6rem 3rem .6rem 1rem;font:14px/1.5 system-ui,sans-serif';
		[
			['strong', m.title],
			['span', m.body]
		].forEach(function (t) {
			if (!t[1]) return;
			var el = d.createElement(t[0]);
			el.textContent = t[1];
			el.style.cssText = 'display:block';
			text.appendChild(el);
		});
		box.appendChild(text);
		if (m.cta_url && /^https?:\/\//i.test(m.cta_url)) {
			var a = d.createElement('a');
			a.href = m.cta_url;
			a.textContent = m.cta_label || '查看';
			a.style.cssText = 'display:inline-block;margin-top:.4rem;color:inherit;font-weight:600;text-decoration:underline';
			a.onclick = function () {
				report('campaign_click');
				flush();
			};
			box.appendChild(a);
		}
		x.type = 'button';
		x.textContent = '×';
		x.setAttribute('aria-label', '关闭 Close');
		x.style.cssText = 'position:absolute;right:.4rem;top:.3rem;min-width:44px;min-height:44px;background:none;border:0;color:inherit;font-size:1.4rem;cursor:pointer';
		x.onclick = function () {
			box.remove();
			report('campaign_dismiss');
		};
		box.appendChild(x);
		(d.body || d.documentElement).appendChild(box);
		report('campaign_impression');
	}

	// identify({customer_id, ts, sig}, traits): the identity the shop signed (docs/api/ingestion.md).
	function identify(id, traits) {
		cid = signed(id);
		if (id != null && id !== '' && !cid) say('sign', 'identify needs the identity the shop signed: crm.identify({customer_id, ts, sig})');
		if (allowed()) set('cid', cid ? JSON.stringify(cid) : null);
		if (cid) return track('identify', traits ? { traits: traits } : {});
	}

	function reset() {
		cid = null;
		aid = uid();
		if (allowed()) {
			set('cid');
			set('aid', aid);
		}
	}

	function setConsent(granted) {
		var held = allowed() ? [] : Q; // events kept in memory while waiting for consent
		clearTimeout(timer);
		timer = 0;
		Q = [];
		consent = granted ? '1' : '0';
		set('consent', consent);
		if (granted) {
			if (aid) set('aid', aid);
			if (cid) set('cid', JSON.stringify(cid));
			save(load().concat(held));
			return flush();
		}
		aid = cid = null;
		(set('q'), set('aid'), set('cid'));
	}

	function flush() {
		clearTimeout(timer);
		timer = 0;
		if (busy) return busy;
		if (dead || !key || !allowed() || nav.onLine === false) return Promise.resolve();
		var all = load(),
			batch = ready(all).slice(0, 100);
		if (!batch.length) {
			if (all.length) later(1e4);
			return Promise.resolve();
		}
		var ids = batch.map(function (e) {
				return e.id;
			}),
			status = 0;
		return (busy = fetch(endpoint, { method: 'POST', body: body(batch), headers: { 'Content-Type': 'text/plain' }, credentials: 'omit' })
			.then(function (r) {
				status = r.status;
				var h = r.headers.get('Retry-After'),
					j = r.json().catch(function () {
						return {};
					});
				if (r.ok) return j;
				// Retry-After is only readable cross-origin if exposed; the answer's retry_after always is.
				if (status == 408 || status == 429 || status >= 500)
					return j.then(function (j) {
						throw { after: +h || j.retry_after };
					});
				// 400, 401, 413…: this batch can never succeed, so it is dropped, not retried forever.
				return j.then(function (j) {
					say(status, 'batch refused (' + status + ' ' + (j.code || '') + '), ' + ids.length + ' events dropped');
					if (status == 401) dead = 1;
					return j;
				});
			})
			.then(
				function (j) {
					if (j.rejected && j.rejected.length) say('rej', 'events rejected: ' + JSON.stringify(j.rejected.slice(0, 3)));
					remove(ids);
					emit('sent', { events: batch, status: status, result: j });
					busy = tries = 0;
					return ready(load()).length ? flush() : (load().length && later(1e4), void 0);
				},
				function (r) {
					busy = 0;
					tries++;
					var s = r && r.after,
						ms = s > 0 ? s * 1e3 : Math.min(6e4, 1e3 * Math.pow(2, tries)) * (0.5 + Math.random() / 2);
					emit('sent', { events: batch, status: status, retry_in: ms });
					later(ms);
				}
			));
	}

	function beacon() {
		if (!key || dead || !allowed() || !nav.sendBeacon || nav.onLine === false) return;
		var q = load(),
			todo = ready(q),
			t = Date.now(),
			i,
			c;
		for (i = 0; i < todo.length; i += BATCH) {
			c = todo.slice(i, i + BATCH);
			// A string body goes as text/plain: no CORS preflight, and the key travels in the body.
			if (nav.sendBeacon(endpoint, body(c)))
				c.forEach(function (e) {
					e._b = t;
				});
		}
		if (todo.length) (save(q), emit('beacon', { events: todo }));
	}

	d.addEventListener('visibilitychange', function () {
		if (d.visibilityState == 'hidden') beacon();
	});
	w.addEventListener('pagehide', beacon);
	w.addEventListener('online', function () {
		tries = 0;
		flush();
	});

	var stub = w.crm,
		calls = (stub && (stub.q || (stub.push && stub))) || [],
		paged,
		left = load().length;
	w.crm = { v: 1, track: track, page: page, identify: identify, consent: setConsent, flush: flush, reset: reset };
	for (var i = 0; i < calls.length; i++) {
		var c = [].slice.call(calls[i]);
		if (c[0] == 'page') paged = 1;
		if (w.crm[c[0]]) w.crm[c[0]].apply(null, c.slice(1));
	}
	if (!paged && opt('page') != 'off') page();
	if (left) flush(); // what an earlier page (or an offline visit) left behind
})(window, document, navigator);
