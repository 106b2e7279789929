// Starts Swagger UI on /docs (swagger.html). A file of our origin, not an inline script: the
// Content-Security-Policy of our HTML answers allows scripts from our origin only.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // No badge from the public validator: an image from another origin, which the policy refuses.
  validatorUrl: null
});
