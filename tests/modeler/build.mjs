// Bundles the modeler page into dist/ (run by scripts/setup_node_tools.sh).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
await build({
  entryPoints: { modeler: 'src/page.js' },
  bundle: true,
  format: 'iife',
  outdir: 'dist',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
await build({
  entryPoints: { modeler: 'src/page.css' },
  bundle: true,
  outdir: 'dist',
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.eot': 'dataurl', '.svg': 'dataurl' },
  logLevel: 'warning',
});
copyFileSync('src/index.html', 'dist/index.html');
