module podnet.local/bench/cidrset

go 1.19
