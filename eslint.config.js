import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default defineConfig(
	{
		// The web code only: the Go server, PocketBase's goja hooks and migrations, the shops' scripts in
		// static/ and everything generated stay out.
		ignores: [
			'build/',
			'.svelte-kit/',
			'node_modules/',
			'server/',
			'pb_hooks/',
			'pb_migrations/',
			'pb_data/',
			'pb_data-backup/',
			'static/',
			'docs/',
			'deploy/',
			'test-results/',
			'playwright-report/',
			'.bench/'
		]
	},
	js.configs.recommended,
	ts.configs.recommended,
	svelte.configs.recommended,
	prettier,
	svelte.configs.prettier,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			// `_name` marks a parameter or binding kept on purpose (a signature, a field left out of a rest copy).
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
			// An adapter-static SPA served at the root (no paths.base): resolve() would return the same path.
			'svelte/no-navigation-without-resolve': 'off',
			// It flags every Map, Set and Date in a component or .svelte.ts, locals included: swapping them would change what is reactive.
			'svelte/prefer-svelte-reactivity': 'off'
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig } }
	},
	{
		// TypeScript (svelte-check) reports undefined names in components, and knows the ambient ones (__APP_VERSION__).
		files: ['**/*.svelte'],
		rules: { 'no-undef': 'off' }
	},
	{
		// RxDB glue generic over every document type, and test and bench harnesses reading the server's raw JSON.
		files: ['src/lib/db/database.ts', 'src/lib/db/seal.ts', 'src/lib/sync/**', 'tests/**', 'bench/**'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' }
	}
);
