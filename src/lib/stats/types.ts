// The answers of the statistics endpoints (docs/api/ingestion.md, "Statistics").

export interface StatsEnvelope {
	as_of: string;
	from: string;
	to: string;
	segment: string | null;
}

export interface Overview extends StatsEnvelope {
	visitors: number;
	page_views: number;
	product_views: number;
	carts: number;
	checkouts: number;
	orders: number;
	revenue: number;
	refunds: number;
	net_revenue: number;
	/** null when the shop sent no page views in the period: orders per visitor would mean nothing */
	conversion: number | null;
	aov: number;
	buyers: number;
	repeat_buyers: number;
	repeat_rate: number;
	clv: number;
}

export interface TrendDay {
	day: string;
	visitors: number;
	page_views: number;
	product_views: number;
	carts: number;
	checkouts: number;
	orders: number;
	revenue: number;
	refunds: number;
	/** null when the shop sent no page views in the period: orders per visitor would mean nothing */
	conversion: number | null;
}
export interface Trends extends StatsEnvelope {
	days: TrendDay[];
}

export type FunnelStep = 'view' | 'cart' | 'checkout' | 'purchase';
export interface Funnel extends StatsEnvelope {
	steps: { step: FunnelStep; count: number }[];
}

export interface Rfm extends StatsEnvelope {
	customers: number;
	segments: { segment: string; count: number; revenue: number }[];
	grid: { r: number; f: number; count: number }[];
}

export interface Cohorts extends StatsEnvelope {
	months: string[];
	cohorts: { month: string; size: number; retained: number[] }[];
}

export interface ProductRow {
	product_id: string;
	/** The catalogue's name and picture ('' when the product is not in it). */
	name?: string;
	image_url?: string;
	category: string;
	views: number | null;
	carts: number | null;
	units: number;
	revenue: number;
}
export interface CategoryRow {
	category: string;
	views: number | null;
	carts: number | null;
	units: number;
	revenue: number;
}
export interface Products extends StatsEnvelope {
	products: ProductRow[];
	categories: CategoryRow[];
}

export interface TimelineEvent {
	id: string;
	type: string;
	time: string;
	product_id?: string;
	category?: string;
	price?: number | null;
	quantity?: number | null;
	order_id?: string;
	total?: number | null;
	query?: string;
	url?: string;
}
export interface TimelineOrder {
	order_id: string;
	time: string;
	total: number;
	refunded: number;
	items: { product_id: string; sku?: string; category?: string; price: number; quantity?: number }[];
}
export interface Timeline {
	/** The catalogue's names and pictures of the products named below (those in the catalogue). */
	products?: Record<string, { name: string; image_url: string }>;
	events: TimelineEvent[];
	orders: TimelineOrder[];
	as_of?: string;
}

export interface ShopSource {
	id: string;
	name: string;
	kind: 'server' | 'browser';
	prefix: string;
	revoked: boolean;
	rate_limit: number;
	created: string;
	last_used_at: string | null;
}
