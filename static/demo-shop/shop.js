// 小满优选: a small demo storefront that reports to the CRM through /tracker.js.
// ?key=crm_pk_…          the browser key (kept in localStorage)
// ?consent=required      ask before tracking (?consent=granted switches back)
// ?server_key=crm_sk_…   DEMO ONLY: lets this page post purchases itself (kept for this tab only).
//                        A real shop sends purchases from its back end; a server key must never be in a page.
(function () {
	'use strict';
	// The same ids, categories and prices as the demo data (tests/fixtures/shop-events.ts).
	var PRODUCTS = [
		{ id: 'P1000', name: '无线蓝牙耳机', category: '手机数码', price: 199, mark: '耳', hue: 350 },
		{ id: 'P1005', name: '降噪头戴耳机', category: '手机数码', price: 899, mark: '耳', hue: 200 },
		{ id: 'P1202', name: '电饭煲', category: '家用电器', price: 399, mark: '饭', hue: 30 },
		{ id: 'P1300', name: '纯棉短袖 T 恤', category: '服饰内衣', price: 79, mark: 'T', hue: 210 },
		{ id: 'P1401', name: '帆布鞋', category: '鞋靴箱包', price: 159, mark: '鞋', hue: 160 },
		{ id: 'P1500', name: '保湿面霜', category: '美妆护肤', price: 259, mark: '霜', hue: 320 },
		{ id: 'P1502', name: '口红', category: '美妆护肤', price: 239, mark: '唇', hue: 0 },
		{ id: 'P1704', name: '积木玩具', category: '母婴玩具', price: 299, mark: '积', hue: 45 },
		{ id: 'P1803', name: '车厘子 2 斤', category: '食品生鲜', price: 159, mark: '樱', hue: 340 },
		{ id: 'P1903', name: '西湖龙井', category: '酒水饮料', price: 399, mark: '茶', hue: 110 },
		{ id: 'P2000', name: '纯棉四件套', category: '家居家纺', price: 399, mark: '棉', hue: 260 },
		{ id: 'P2101', name: '可调哑铃', category: '运动户外', price: 399, mark: '铃', hue: 190 }
	];
	PRODUCTS.forEach(function (p) {
		p.sku = p.id + '-01';
	});
	var byId = {};
	PRODUCTS.forEach(function (p) {
		byId[p.id] = p;
	});

	var $ = function (id) {
		return document.getElementById(id);
	};
	var esc = function (s) {
		return String(s).replace(/[&<>"']/g, function (c) {
			return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
		});
	};
	var yuan = function (n) {
		return '¥' + (Math.round(n * 100) / 100).toFixed(2);
	};

	// Settings from the address, remembered.
	var params = new URLSearchParams(location.search);
	if (params.get('key')) localStorage.setItem('demo_shop_key', params.get('key'));
	if (params.get('consent')) localStorage.setItem('demo_shop_consent', params.get('consent'));
	if (params.get('server_key')) sessionStorage.setItem('demo_shop_server_key', params.get('server_key'));
	var key = localStorage.getItem('demo_shop_key');
	var consentMode = localStorage.getItem('demo_shop_consent') === 'required' ? 'required' : 'granted';
	var serverKey = sessionStorage.getItem('demo_shop_server_key');

	// The live log: what the tracker queued and sent.
	function log(cls, text) {
		var li = document.createElement('li');
		li.className = cls;
		li.textContent = new Date().toTimeString().slice(0, 8) + ' ' + text;
		var list = $('log');
		list.insertBefore(li, list.firstChild);
		$('last').textContent = li.textContent;
		$('last').className = 'last ' + cls;
		while (list.children.length > 60) list.removeChild(list.lastChild);
		var q = [];
		try {
			q = JSON.parse(localStorage.getItem('crm_q')) || [];
		} catch (e) {}
		$('queue').textContent = '待发送 ' + q.length + (navigator.onLine ? '' : ' · 离线 offline');
	}
	function describe(e) {
		return e.type + (e.product_id ? ' ' + e.product_id : '') + (e.query ? ' “' + e.query + '”' : '') + (e.total != null ? ' ' + yuan(e.total) : '');
	}
	addEventListener('crm:event', function (ev) {
		log('', '排队 queued   ' + describe(ev.detail));
	});
	addEventListener('crm:sent', function (ev) {
		var d = ev.detail;
		if (d.retry_in != null) log('wait', '失败 ' + (d.status || 'network') + '，' + Math.round(d.retry_in / 1000) + ' 秒后重试 (' + d.events.length + ' events)');
		else if (d.status === 200)
			log(
				'ok',
				'已发送 sent ' +
					d.events.length +
					' → accepted ' +
					(d.result.accepted || 0) +
					', duplicates ' +
					(d.result.duplicates || 0) +
					(d.result.rejected && d.result.rejected.length ? ', rejected ' + d.result.rejected.length : '')
			);
		else log('bad', '被拒 refused ' + d.status + ' ' + (d.result && d.result.code ? d.result.code : '') + ' (' + d.events.length + ' dropped)');
	});
	addEventListener('crm:beacon', function (ev) {
		log('wait', 'beacon ' + ev.detail.events.length + ' events (page hidden)');
	});
	addEventListener('online', function () {
		log('ok', '网络恢复 online');
	});
	addEventListener('offline', function () {
		log('wait', '网络断开 offline: 事件留在队列里');
	});

	if (matchMedia('(min-width: 900px)').matches) $('logbox').open = true;

	// The tracker: options first, a stub for calls made before it loads, then the tag.
	if (!key) $('setup').hidden = false;
	window.crmTracker = { key: key || '', consent: consentMode, page: 'off' }; // page views: ours, below
	window.crm = { q: [] };
	['track', 'page', 'identify', 'consent', 'flush', 'reset'].forEach(function (m) {
		window.crm[m] = function () {
			window.crm.q.push([m].concat([].slice.call(arguments)));
		};
	});
	if (key) {
		var tag = document.createElement('script');
		tag.src = '/tracker.js';
		tag.async = true;
		document.head.appendChild(tag);
	}

	// Consent banner (only when the shop asks first).
	function showConsent() {
		$('consent').hidden = !(key && consentMode === 'required' && localStorage.getItem('crm_consent') == null);
	}
	$('consent-yes').onclick = function () {
		window.crm.consent(true);
		log('ok', '已同意跟踪 consent granted');
		showConsent();
	};
	$('consent-no').onclick = function () {
		window.crm.consent(false);
		log('bad', '已拒绝跟踪 consent refused: 队列和匿名 id 已清除');
		showConsent();
	};
	showConsent();

	// The chat learns who the shopper is too (a real shop prints the signed identity into each page): a
	// campaign's chat message then reaches them, and their chats follow them across devices.
	function chatIdentify(identity) {
		window.crmChat = window.crmChat || [];
		if (Array.isArray(window.crmChat)) window.crmChat.push(['identify', identity]);
		else window.crmChat.identify(identity);
	}
	try {
		var kept = JSON.parse(localStorage.getItem('demo_shop_identity') || 'null');
		// A signature is good for a day: an older one is left out rather than refused by the chat.
		if (kept && Math.abs(Date.now() / 1000 - kept.ts) < 86000) chatIdentify(kept);
	} catch (e) {}

	// Log in as a shop customer: identify links this browser's anonymous id to the customer.
	function showAccount() {
		var who = localStorage.getItem('demo_shop_customer');
		$('logged-in').hidden = !who;
		$('logged-out').hidden = !!who;
		$('who').textContent = who || '';
	}
	$('login').onsubmit = function (ev) {
		ev.preventDefault();
		var f = ev.target;
		var id = f.customer.value.trim();
		var name = f.name.value.trim();
		// A real shop signs the customer id on its server (docs/api/ingestion.md, "Identity"); this demo
		// asks the CRM, which signs only while the demo shop is switched on.
		fetch('/api/crm/demo/identity', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ customer_id: id }) })
			.then(function (res) {
				if (!res.ok) throw new Error('HTTP ' + res.status);
				return res.json();
			})
			.then(function (identity) {
				localStorage.setItem('demo_shop_customer', id + (name ? ' ' + name : ''));
				localStorage.setItem('demo_shop_customer_id', id);
				localStorage.setItem('demo_shop_identity', JSON.stringify(identity));
				window.crm.identify(identity, name ? { name: name } : undefined);
				chatIdentify(identity);
				f.reset();
				showAccount();
			})
			.catch(function (err) {
				log('bad', '登录失败 sign-in failed: ' + err.message);
			});
	};
	$('logout').onclick = function () {
		localStorage.removeItem('demo_shop_customer');
		localStorage.removeItem('demo_shop_customer_id');
		localStorage.removeItem('demo_shop_identity');
		window.crm.reset();
		chatIdentify(null);
		showAccount();
	};
	showAccount();

	// The cart, kept in this browser.
	function cart() {
		try {
			return JSON.parse(localStorage.getItem('demo_shop_cart')) || [];
		} catch (e) {
			return [];
		}
	}
	function saveCart(lines) {
		localStorage.setItem('demo_shop_cart', JSON.stringify(lines));
		$('cart-count').textContent = lines.reduce(function (a, l) {
			return a + l.quantity;
		}, 0);
	}
	function cartTotal(lines) {
		return (
			Math.round(
				lines.reduce(function (a, l) {
					return a + byId[l.product_id].price * l.quantity;
				}, 0) * 100
			) / 100
		);
	}
	function productFields(p, quantity) {
		return { product_id: p.id, sku: p.sku, category: p.category, price: p.price, quantity: quantity };
	}
	saveCart(cart());

	// Product pictures: a tile in the product's colour with one character (no image files or picture fonts needed).
	function pic(p, cls) {
		return '<div class="pic ' + (cls || '') + '" style="--hue:' + p.hue + '" aria-hidden="true"><span>' + p.mark + '</span></div>';
	}

	function card(p) {
		return (
			'<a class="card" href="#/product/' +
			p.id +
			'">' +
			pic(p) +
			'<div class="body"><h3>' +
			esc(p.name) +
			'</h3><span class="price">' +
			yuan(p.price) +
			'</span> <span class="cat">' +
			esc(p.category) +
			'</span></div></a>'
		);
	}

	var views = {
		home: function () {
			return '<h1 class="page">今日推荐</h1><div class="grid">' + PRODUCTS.map(card).join('') + '</div>';
		},
		search: function (q) {
			var hits = PRODUCTS.filter(function (p) {
				return (p.name + p.category).indexOf(q) >= 0;
			});
			return '<h1 class="page">搜索“' + esc(q) + '”：' + hits.length + ' 件商品</h1><div class="grid">' + hits.map(card).join('') + '</div>';
		},
		product: function (id) {
			var p = byId[id];
			if (!p) return '<p>没有这件商品。</p>';
			window.crm.track('product_view', productFields(p));
			return (
				'<article class="detail">' +
				pic(p) +
				'<div class="body"><h1>' +
				esc(p.name) +
				'</h1><div class="cat">' +
				esc(p.category) +
				' · ' +
				p.sku +
				'</div><p class="price">' +
				yuan(p.price) +
				'</p><p>正品保障 · 七天无理由退货 · 满 99 元包邮</p><div class="actions"><button type="button" data-add="' +
				p.id +
				'">加入购物车</button>' +
				'<a href="#/cart"><button type="button" class="secondary">查看购物车</button></a></div></div></article>'
			);
		},
		cart: function () {
			var lines = cart();
			if (!lines.length) return '<h1 class="page">购物车</h1><p>购物车是空的。<a href="#/">去逛逛</a></p>';
			return (
				'<h1 class="page">购物车</h1><ul class="lines">' +
				lines
					.map(function (l) {
						var p = byId[l.product_id];
						return (
							'<li>' +
							pic(p, 'thumb') +
							'<span class="grow">' +
							esc(p.name) +
							'<br /><span class="price">' +
							yuan(p.price) +
							'</span> × ' +
							l.quantity +
							'</span><button type="button" class="secondary" data-remove="' +
							p.id +
							'" aria-label="删除 ' +
							esc(p.name) +
							'">删除</button></li>'
						);
					})
					.join('') +
				'</ul><p class="total">合计 <span class="price">' +
				yuan(cartTotal(lines)) +
				'</span></p><div class="actions"><a href="#/checkout"><button type="button">去结算</button></a></div>'
			);
		},
		checkout: function () {
			var lines = cart();
			if (!lines.length) return '<p>购物车是空的。<a href="#/">去逛逛</a></p>';
			var total = cartTotal(lines);
			window.crm.track('checkout_start', { total: total });
			var customer = localStorage.getItem('demo_shop_customer_id');
			var pay = serverKey
				? customer
					? '<button type="button" id="pay">提交订单（演示：用服务器密钥发送 purchase）</button>'
					: '<p>请先在上方登录顾客账号再提交订单。</p>'
				: '<button type="button" id="pay" disabled>提交订单</button>';
			return (
				'<h1 class="page">确认订单</h1><ul class="lines">' +
				lines
					.map(function (l) {
						var p = byId[l.product_id];
						return '<li>' + pic(p, 'thumb') + '<span class="grow">' + esc(p.name) + '</span>' + yuan(p.price) + ' × ' + l.quantity + '</li>';
					})
					.join('') +
				'</ul><p class="total">应付 <span class="price">' +
				yuan(total) +
				'</span></p>' +
				'<div class="note">浏览器只发送 <code>checkout_start</code>。订单（<code>purchase</code>）和退款由商城后端用<strong>服务器密钥</strong>发送：浏览器密钥不能发送它们，这样金额不能在页面里伪造。<br />' +
				"<small>The browser sends checkout_start only. Purchases come from the shop's back end with its server key (browser keys may not send them).</small>" +
				(serverKey ? '<br /><strong>演示专用 (demo only):</strong> 这个标签页带有 <code>?server_key=</code>，所以下面的按钮会直接从页面发送 purchase。真实商城绝不能把服务器密钥放进网页。' : '') +
				'</div><div class="actions">' +
				pay +
				'</div>'
			);
		},
		done: function (order) {
			return '<h1 class="page">下单成功</h1><p>订单号 <strong>' + esc(order) + '</strong>，已由“后端”（演示：本页用服务器密钥）发送到 CRM。</p><p><a href="#/">继续购物</a></p>';
		}
	};

	function route() {
		var h = location.hash.replace(/^#\/?/, '');
		var parts = h.split('/');
		var html;
		if (parts[0] === 'product') html = views.product(parts[1]);
		else if (parts[0] === 'cart') html = views.cart();
		else if (parts[0] === 'checkout') html = views.checkout();
		else if (parts[0] === 'done') html = views.done(decodeURIComponent(parts[1] || ''));
		else if (parts[0] === 'search') html = views.search(decodeURIComponent(parts.slice(1).join('/')));
		else html = views.home();
		$('view').innerHTML = html;
		scrollTo(0, 0);
	}

	$('view').addEventListener('click', function (ev) {
		var b = ev.target.closest('button');
		if (!b) return;
		var lines = cart();
		if (b.dataset.add) {
			var p = byId[b.dataset.add];
			var line = lines.filter(function (l) {
				return l.product_id === p.id;
			})[0];
			if (line) line.quantity++;
			else lines.push({ product_id: p.id, quantity: 1 });
			saveCart(lines);
			window.crm.track('add_to_cart', productFields(p, 1));
			b.textContent = '已加入 ✓';
		} else if (b.dataset.remove) {
			var gone = lines.filter(function (l) {
				return l.product_id === b.dataset.remove;
			})[0];
			saveCart(
				lines.filter(function (l) {
					return l !== gone;
				})
			);
			window.crm.track('remove_from_cart', productFields(byId[gone.product_id], gone.quantity));
			route();
		} else if (b.id === 'pay' && serverKey) {
			pay(b, lines);
		}
	});

	// DEMO ONLY: what the shop's back end does when an order is paid, with its server key.
	function pay(button, lines) {
		button.disabled = true;
		var order = 'DEMO' + Date.now().toString(36).toUpperCase();
		var event = {
			id: 'order-' + order,
			type: 'purchase',
			time: Date.now(),
			customer_id: localStorage.getItem('demo_shop_customer_id'),
			order_id: order,
			total: cartTotal(lines),
			items: lines.map(function (l) {
				return productFields(byId[l.product_id], l.quantity);
			})
		};
		var aid = localStorage.getItem('crm_aid');
		if (aid) event.anonymous_id = aid;
		fetch('/api/crm/events', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + serverKey }, body: JSON.stringify({ sent_at: Date.now(), events: [event] }) })
			.then(function (r) {
				return r.json().then(function (j) {
					return { status: r.status, body: j };
				});
			})
			.then(
				function (a) {
					if (a.status === 200 && a.body.accepted + a.body.duplicates === 1) {
						log('ok', '后端 server key: purchase ' + order + ' ' + yuan(event.total) + ' → ' + a.status);
						saveCart([]);
						location.hash = '#/done/' + order;
					} else {
						log('bad', '后端 server key: purchase refused ' + a.status + ' ' + JSON.stringify(a.body.rejected || a.body.code));
						button.disabled = false;
					}
				},
				function () {
					log('bad', '后端 server key: purchase not sent (offline?)');
					button.disabled = false;
				}
			);
	}

	$('search').onsubmit = function (ev) {
		ev.preventDefault();
		var q = ev.target.q.value.trim();
		if (!q) return;
		window.crm.track('search', { query: q });
		location.hash = '#/search/' + encodeURIComponent(q);
	};

	// Hash routes are pages: each one sends a page_view before what happens on it.
	addEventListener('hashchange', function () {
		window.crm.page();
		route();
	});
	window.crm.page();
	route();
	log('', key ? '跟踪脚本已加载 tracker loaded (' + (consentMode === 'required' ? '需要同意 consent required' : '默认同意') + ')' : '没有浏览器密钥 no key');
})();
