import { describe, expect, it } from 'vitest';
import { helpHref, renderGuide } from './render';

describe('the guide as help pages', () => {
	it('gives headings their ids, points pictures at the served copies and keeps guide links in the app', () => {
		const html = renderGuide('## 找客户 <!-- customers -->\n\n![客户列表](../img/zh-CN/sales-list.png)\n\n见 [管理员指南](admin.md#staff) 与 [PocketBase](https://pocketbase.io)');
		expect(html).toContain('<h2 id="customers">找客户</h2>');
		expect(html).toContain('<img src="/guide/img/zh-CN/sales-list.png" alt="客户列表" loading="lazy">');
		expect(html).toContain('<a href="/help/admin#staff">管理员指南</a>');
		expect(html).toContain('<a href="https://pocketbase.io" target="_blank" rel="noopener noreferrer">PocketBase</a>');
	});

	it("links each screen to its role's guide at that screen's section", () => {
		expect(helpHref('sales', '/today')).toBe('/help/sales#today');
		expect(helpHref('agent', '/inbox')).toBe('/help/agent#inbox');
		expect(helpHref('admin', '/customers/abc')).toBe('/help/admin#customers');
		expect(helpHref('manager', '/')).toBe('/help/manager#customers');
	});
});
