// Links a page's own stylesheet once (the shell links only the shared dashboard.css).
// A <link> to this origin is what the dashboard's CSP allows (style-src 'self'); inline
// <style> and style attributes are refused.

/** @param {string} href e.g. "/dashboard/css/runs.css" */
export const useStylesheet = (href) => {
  if (document.querySelector(`link[rel="stylesheet"][href="${href}"]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.append(link);
};
