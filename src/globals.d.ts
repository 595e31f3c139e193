/** Replaced at build time by esbuild `define` with package.json's version. */
declare const __FOCAL_LENS_VERSION__: string;
