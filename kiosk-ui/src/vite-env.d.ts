/** Vite's `?url` imports: the URL the bundled asset is served at. */
declare module '*?url' {
  const url: string;
  export default url;
}
