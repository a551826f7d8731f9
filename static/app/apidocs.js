// The API documentation page (/api/docs): Swagger UI on the app's own OpenAPI document.
// Everything is served by the app (static/vendor/swagger-ui): no network needed.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
  });
});
