/**
 * The user guide (docs/guide/<locale>/<page>.md) as the app's help pages: the Markdown rendered with
 * marked, headings given the ids the help links point at (a heading ending in `<!-- customers -->` gets
 * id="customers"; GitHub hides the comment), pictures pointed at the copies the server serves
 * (/guide/img/…, copied from docs/guide/img by scripts/build.mjs). The guide is the project's own text,
 * not user input.
 */
import { Marked } from 'marked';

export { GUIDE_PAGES, type GuidePage } from './links';

const ID_COMMENT = /\s*<!--\s*([a-z0-9-]+)\s*-->\s*$/;

export function renderGuide(markdown: string): string {
	const marked = new Marked({
		gfm: true,
		renderer: {
			heading({ tokens, depth, text }) {
				const m = ID_COMMENT.exec(text);
				const inner = this.parser.parseInline(tokens.filter((t) => !(t.type === 'html' && ID_COMMENT.test(t.raw))));
				return `<h${depth}${m ? ` id="${m[1]}"` : ''}>${inner.replace(ID_COMMENT, '').trim()}</h${depth}>\n`;
			},
			image({ href, text }) {
				const src = href.replace(/^(\.\.\/)+img\//, '/guide/img/');
				return `<img src="${src}" alt="${text.replace(/"/g, '&quot;')}" loading="lazy">`;
			},
			link({ href, tokens }) {
				// Links between the guide's pages stay inside the app's help.
				const page = /^\.?\/?([a-z]+)\.md(#[a-z0-9-]+)?$/.exec(href);
				const to = page ? `/help/${page[1]}${page[2] ?? ''}` : href;
				const external = /^https?:/.test(to);
				return `<a href="${to}"${external ? ' target="_blank" rel="noopener noreferrer"' : ''}>${this.parser.parseInline(tokens)}</a>`;
			}
		}
	});
	return marked.parse(markdown, { async: false }) as string;
}

export { guideFor, helpHref } from './links';
