// The two-rack host-gw cluster the impact tests (REST and `podnet diff`) plan
// changes against: w3 in rack1 holds the one pod; moving w3 to rack2 breaks
// the pairs host-gw cannot route across subnets.
export const racks = {
  name: 'racks',
  podCidrs: ['10.40.0.0/16'],
  network: { mode: 'host-gw', mtu: 1500 },
  subnets: [
    { name: 'rack1', cidr: '172.16.1.0/24', gateway: '172.16.1.1' },
    { name: 'rack2', cidr: '172.16.2.0/24', gateway: '172.16.2.1' },
  ],
  nodes: [
    { name: 'w1', address: '172.16.1.11' },
    { name: 'w2', address: '172.16.1.12' },
    { name: 'w3', address: '172.16.1.13' },
    { name: 'w4', address: '172.16.2.14' },
  ],
  pods: [{ name: 'web', node: 'w3' }],
};
