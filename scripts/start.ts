// Local mode lands with its own issue; until then `npm start` says so instead of failing obscurely.
console.log(
  [
    'npm start: local mode (DynamoDB Local + service simulator + EventBridge stand-in) is not available yet.',
    'What works today: `npm test` runs every adapter against its wire-protocol fake and the store on DynamoDB Local.',
  ].join('\n'),
);
