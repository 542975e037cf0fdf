/*! CRM live chat: <script src="https://crm.example/chat.js" async></script>
 * data-locale="zh-CN|en", data-position="right|left", data-bottom="16" (px above the window's bottom, for a
 * shop with a bar there), data-open="1" (opened at once), and for a signed-in
 * shopper data-customer-id, data-ts, data-sig (HMAC, docs/api/chat.md) or later
 * window.crmChat.identify({ customer_id, ts, sig }) (best before the tag loads, or at once after), and
 * window.crmChat.identify(null) when the shopper signs out. Also crmChat.open(), .close(), .toggle().
 * The chat itself runs in an iframe on the CRM's origin, so its storage and token never touch this page. */
(function (w, d) {
	'use strict';
	if (w.crmChat && w.crmChat.v) return;
	var queued = Array.isArray(w.crmChat) ? w.crmChat : [];
	var el = d.currentScript || d.querySelector('script[src*="chat.js"]');
	if (!el) return;
	var origin = new URL(el.src, location.href).origin;
	var opt = function (n) {
		return el.getAttribute('data-' + n);
	};
	var lang = (opt('locale') || d.documentElement.lang || navigator.language || '').toLowerCase();
	var en = lang.indexOf('en') == 0;
	var left = opt('position') == 'left';
	var side = left ? 'left' : 'right';
	var bottom = Math.max(0, Math.min(400, parseInt(opt('bottom'), 10) || 16));
	var identity = opt('customer-id') ? { customer_id: opt('customer-id'), ts: +opt('ts'), sig: opt('sig') } : null;
	var KEY = 'crm_chat_started';
	var CHECKED = 'crm_chat_checked';
	var frame,
		btn,
		badge,
		teaser,
		isOpen = false,
		ready = false;
	// The chat waits for our first word on who the shopper is before it starts (a signed-in shopper gets
	// their own visitor back): the identity at once when known, else "none" after a moment for identify().
	var told = !!identity,
		greeted = false,
		greetTimer;
	var GRACE = 300;

	function started() {
		try {
			return localStorage.getItem(KEY) == '1';
		} catch (e) {
			return false;
		}
	}
	function remember() {
		try {
			localStorage.setItem(KEY, '1');
		} catch (e) {}
	}
	function greet() {
		if (greeted || !ready) return;
		greeted = true;
		clearTimeout(greetTimer);
		post({ type: 'identify', identity: identity });
	}
	function post(msg) {
		msg.crmChat = 1;
		if (frame && ready) frame.contentWindow.postMessage(msg, origin);
	}

	function css(node, s) {
		for (var k in s) node.style[k] = s[k];
	}
	var Z = '2147483000';

	function phone() {
		return w.innerWidth < 480;
	}
	function place() {
		if (!frame) return;
		css(
			frame,
			phone()
				? { top: '0', bottom: '0', left: '0', right: '0', width: '100%', height: '100%', borderRadius: '0' }
				: {
						top: 'auto',
						bottom: bottom + 72 + 'px',
						left: left ? '16px' : 'auto',
						right: left ? 'auto' : '16px',
						width: '380px',
						height: 'min(600px, calc(100vh - ' + (bottom + 96) + 'px))',
						borderRadius: '14px'
					}
		);
		css(btn, { display: isOpen && phone() ? 'none' : 'flex' });
	}

	function make() {
		if (frame) return;
		frame = d.createElement('iframe');
		frame.title = en ? 'Chat with us' : '在线客服';
		frame.setAttribute('allow', 'clipboard-write');
		frame.src = origin + '/chat-widget?locale=' + (en ? 'en' : 'zh-CN') + '&host=' + encodeURIComponent(location.origin) + (isOpen ? '&open=1' : '');
		css(frame, { position: 'fixed', border: '0', zIndex: Z, background: '#fff', boxShadow: '0 12px 40px rgba(0,0,0,.22)', display: isOpen ? 'block' : 'none', colorScheme: 'light' });
		d.body.appendChild(frame);
		place();
	}

	function setBadge(n) {
		badge.textContent = n > 99 ? '99+' : String(n);
		badge.style.display = n > 0 && !isOpen ? 'block' : 'none';
		btn.setAttribute('aria-label', (en ? 'Chat with us' : '在线客服') + (n > 0 ? (en ? ' (' + n + ' new)' : '（' + n + ' 条新消息）') : ''));
	}

	// A campaign's chat message for this shopper, while the chat is closed: a bubble beside the button
	// (text only, set with textContent); a click opens the chat.
	function showTeaser(text) {
		if (isOpen || !text) return;
		remember();
		if (!teaser) {
			teaser = d.createElement('div');
			teaser.setAttribute('role', 'status');
			css(teaser, {
				position: 'fixed',
				bottom: bottom + 68 + 'px',
				maxWidth: 'min(280px, calc(100vw - 32px))',
				padding: '10px 34px 10px 12px',
				borderRadius: '12px',
				background: '#fff',
				color: '#0f172a',
				boxShadow: '0 6px 24px rgba(0,0,0,.2)',
				font: '14px/1.45 system-ui,sans-serif',
				cursor: 'pointer',
				zIndex: Z,
				boxSizing: 'border-box'
			});
			teaser.style[side] = '16px';
			var body = d.createElement('span');
			var x = d.createElement('button');
			x.type = 'button';
			x.textContent = '×';
			x.setAttribute('aria-label', en ? 'Close' : '关闭');
			css(x, {
				position: 'absolute',
				top: '2px',
				right: '2px',
				width: '30px',
				height: '30px',
				border: '0',
				background: 'none',
				font: '20px/1 system-ui,sans-serif',
				color: '#64748b',
				cursor: 'pointer'
			});
			x.onclick = function (e) {
				e.stopPropagation();
				teaser.style.display = 'none';
			};
			teaser.onclick = open;
			teaser.appendChild(body);
			teaser.appendChild(x);
			d.body.appendChild(teaser);
		}
		teaser.firstChild.textContent = String(text).slice(0, 140);
		teaser.style.display = 'block';
	}

	// A signed-in shopper's chat is loaded (hidden) once per visit, so a campaign's chat message for them
	// reaches them on their next visit even if they never chatted.
	function check() {
		if (frame || !identity || !btn) return;
		try {
			if (sessionStorage.getItem(CHECKED) == identity.customer_id) return;
		} catch (e) {}
		make();
	}

	function open() {
		isOpen = true;
		if (teaser) teaser.style.display = 'none';
		remember();
		make();
		frame.style.display = 'block';
		btn.setAttribute('aria-expanded', 'true');
		setBadge(0);
		place();
		post({ type: 'open' });
		try {
			frame.focus();
		} catch (e) {}
	}
	function close() {
		isOpen = false;
		if (frame) frame.style.display = 'none';
		btn.setAttribute('aria-expanded', 'false');
		place();
		post({ type: 'close' });
		btn.focus();
	}

	w.addEventListener('message', function (e) {
		if (!frame || e.source !== frame.contentWindow || e.origin !== origin) return;
		var m = e.data || {};
		if (m.crmChat !== 1) return;
		if (m.type == 'ready') {
			ready = true;
			greeted = false;
			if (told) greet();
			else greetTimer = setTimeout(greet, GRACE);
			post({ type: isOpen ? 'open' : 'close' });
		} else if (m.type == 'close') close();
		else if (m.type == 'unread') setBadge(+m.count || 0);
		else if (m.type == 'teaser') showTeaser(m.text);
		// The chat asked the server (a page left sooner asks again on the next one).
		else if (m.type == 'checked' && identity) {
			try {
				sessionStorage.setItem(CHECKED, identity.customer_id);
			} catch (e) {}
		}
	});
	w.addEventListener('resize', place);

	function mount() {
		btn = d.createElement('button');
		btn.type = 'button';
		btn.setAttribute('aria-expanded', 'false');
		btn.innerHTML = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path d="M4 5h16v11H9l-5 4z" fill="none" stroke="#fff" stroke-width="2" stroke-linejoin="round"/></svg>';
		css(btn, {
			position: 'fixed',
			bottom: bottom + 'px',
			width: '56px',
			height: '56px',
			borderRadius: '50%',
			border: '0',
			background: '#0f766e',
			boxShadow: '0 6px 20px rgba(0,0,0,.25)',
			cursor: 'pointer',
			zIndex: Z,
			display: 'flex',
			alignItems: 'center',
			justifyContent: 'center',
			padding: '0'
		});
		btn.style[side] = '16px';
		badge = d.createElement('span');
		css(badge, {
			position: 'absolute',
			top: '-4px',
			right: '-4px',
			minWidth: '20px',
			height: '20px',
			padding: '0 5px',
			borderRadius: '10px',
			background: '#dc2626',
			color: '#fff',
			font: 'bold 12px/20px system-ui,sans-serif',
			textAlign: 'center',
			display: 'none',
			boxSizing: 'border-box'
		});
		badge.setAttribute('aria-hidden', 'true');
		btn.appendChild(badge);
		btn.onclick = function () {
			isOpen ? close() : open();
		};
		d.body.appendChild(btn);
		setBadge(0);
		// A shopper who chatted before gets the (hidden) chat at once, so an answer shows on the badge.
		if (opt('open') == '1') open();
		else if (started()) make();
		else check();
		for (var i = 0; i < queued.length; i++) api[queued[i][0]] && api[queued[i][0]].apply(null, queued[i].slice(1));
	}

	var api = {
		v: 1,
		open: function () {
			btn && open();
		},
		close: function () {
			btn && close();
		},
		toggle: function () {
			btn && (isOpen ? close() : open());
		},
		identify: function (id) {
			identity = id && id.customer_id ? { customer_id: String(id.customer_id), ts: +id.ts, sig: String(id.sig) } : null;
			told = true;
			check();
			// identify(null): the shop signed the shopper out; the chat forgets their visitor on this device.
			if (greeted) post({ type: 'identify', identity: identity });
			else greet();
		}
	};
	w.crmChat = api;
	if (d.body) mount();
	else d.addEventListener('DOMContentLoaded', mount);
})(window, document);
