import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** Where `npm run build:replay` writes the one file (web/dist-replay/, ignored by git; the app's own dist/ is emptied by its build). */
const OUT_DIR = fileURLToPath(new URL('dist-replay', import.meta.url));
export const REPLAY_FILE = 'ringside-replay.html';

/**
 * Puts the script and the stylesheet inside the HTML: Chromium refuses a
 * module script loaded from file:// (CORS), and the replay must open from a
 * laptop's disk with no server and no network.
 */
function inlineIntoHtml(): Plugin {
  return {
    name: 'ringside-inline-into-html',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const page = Object.values(bundle).find((item) => item.fileName.endsWith('.html'));
      if (page?.type !== 'asset') throw new Error('the replay build made no HTML page');
      let html = String(page.source);
      for (const [name, item] of Object.entries(bundle)) {
        if (item.type === 'chunk') {
          const tag = new RegExp(`<script type="module"[^>]*src="[^"]*${item.fileName}"[^>]*></script>`);
          if (!tag.test(html)) throw new Error(`the replay page does not load ${item.fileName}`);
          // `</script` inside the code would end the element early; `<\/` means the same in any JS string or regex.
          const code = item.code.replaceAll('</script', '<\\/script');
          html = html.replace(tag, () => `<script type="module">${code}</script>`);
          delete bundle[name];
        } else if (item.fileName.endsWith('.css')) {
          const tag = new RegExp(`<link rel="stylesheet"[^>]*href="[^"]*${item.fileName}"[^>]*>`);
          if (!tag.test(html)) throw new Error(`the replay page does not link ${item.fileName}`);
          html = html.replace(tag, () => `<style>${String(item.source)}</style>`);
          delete bundle[name];
        }
      }
      page.source = html;
      page.fileName = REPLAY_FILE;
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [react(), inlineIntoHtml()],
  build: {
    outDir: OUT_DIR,
    emptyOutDir: false,
    // Fonts and pictures the CSS names go inside it too.
    assetsInlineLimit: Number.MAX_SAFE_INTEGER,
    cssCodeSplit: false,
    modulePreload: false,
    rollupOptions: { input: fileURLToPath(new URL('replay.html', import.meta.url)) },
  },
});
