// GraphiQL on this service's /graphql. The bearer token goes in the Headers
// tab, which opens first; it is prefilled from the console's sessionStorage
// entry (`podnet.token`, kept by /ui) when there is one. `?query=` and
// `?variables=` prefill the editors, so a link can carry a ready query.
/* global GraphiQL, React, ReactDOM */
(function () {
  var params = new URLSearchParams(window.location.search);
  var token = null;
  try {
    token = window.sessionStorage.getItem('podnet.token');
  } catch {
    token = null; // storage disabled: the placeholder below
  }
  var headers = JSON.stringify({ Authorization: 'Bearer ' + (token || 'PASTE-A-PODNET-TOKEN') }, null, 2);
  var example = [
    '# podnet GraphQL (SPEC §6). Put your token in the Headers tab below:',
    '#   {"Authorization": "Bearer <token>"}   (podnet token create … prints one)',
    '{',
    '  clusters { name network { mode } }',
    '}',
    '',
  ].join('\n');
  var fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', window.location.href).toString() });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: example,
      query: params.get('query') || undefined,
      variables: params.get('variables') || undefined,
      headers: headers,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
    }),
  );
})();
