# shellcheck shell=bash
# scripts/bench, part 7: the portfolio (issue 11 item 7). Sourced by scripts/bench, which provides
# tmp, build_dir, helpers, log, die, out, now, free_port, write_conf, start_server, stop_server,
# dnsperf_run, median and the settings pf_zones, pf_tenants, duration, warmup.
#
# One hidden primary (pdns_server + Signet) with pf_zones secured zones for pf_tenants tenants
# (small zones, plus three large ones of 20,000 names), all in one shared catalog; a Knot
# secondary consuming that catalog. Measured:
#   - securing them all (signetutil batch files of secure-zone, 5,000 zones each);
#   - pdns_server start → first answer, its RSS, the store on disk;
#   - signetutil health and metrics over the whole portfolio;
#   - one refresher pass and one key-manager pass (the passes pdns_server runs in the background)
#     when nothing is due and when 1 % of the zones is (those follow a policy whose signatures
#     and ZSK are due a day after signing; the clock is moved 25 hours on with
#     SIGNET_CLOCK_OFFSET);
#   - Knot loading the whole catalog (until it serves every zone);
#   - qps of Knot and of pdns_server for the same signed zones (DO bit, random zones);
#   - edit → Knot serves it: latency of signetutil edits (median, p99).

pf_dir="$tmp/portfolio"
pf_port="$(free_port)"
knot_port="$(free_port)"
while [ "$knot_port" = "$pf_port" ]; do knot_port="$(free_port)"; done
write_conf portfolio "$pf_port" off
sed -i "s|^signet-master-key-file=.*|signet-master-key-file=$pf_dir/master.key|" "$pf_dir/pdns.conf"
cat >>"$pf_dir/pdns.conf" <<CONF
primary=yes
xfr-cycle-interval=1
only-notify=
allow-axfr-ips=127.0.0.0/8
CONF
su_pf() { "$build_dir/signetutil" --config-dir "$pf_dir" "$@"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }
pass_ms() { sed -n 's/.*(pass \([0-9.]*\) ms).*/\1/p' | tail -1; }
# taskset -a walks the process' threads; pdns' AXFR threads come and go meanwhile.
pin() { for _ in 1 2 3 4 5; do taskset -a -p -c "$2" "$1" >/dev/null 2>&1 && return; sleep 0.2; done; die "cannot pin pid $1"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
status_mib() { mib "$(awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status")"; }

su_pf generate-master-key >/dev/null
su_pf catalog create catalog.invalid. >/dev/null
cat >"$pf_dir/short.yaml" <<'YAML'
policies:
  - name: short
    algorithm: ecdsap256sha256
    keys: ksk-zsk
    ksk-lifetime: 365d
    zsk-lifetime: 1d
    dnskey-ttl: 1h
    propagation-delay: 1h
    max-zone-ttl: 1h
    ds-ttl: 1h
    rollover-jitter: 0s
    rrsig-validity: 9d
    rrsig-refresh: 8d
    rrsig-jitter: 0s
    rrsig-refresh-batch: 0s
YAML
su_pf policy import "$pf_dir/short.yaml" >/dev/null
# every member's new serials go to Knot (only-notify= : nowhere else)
pdnsutil --config-dir "$pf_dir" set-meta catalog.invalid. ALSO-NOTIFY "127.0.0.1:$knot_port" >/dev/null

# ---- the zones: one batch (tenants, zones, four records each), then three large zones
log "portfolio: $pf_zones zones for $pf_tenants tenants"
python3 - "$pf_dir" "$pf_zones" "$pf_tenants" <<'PY'
import sys
d, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{d}/zones.batch", "w") as f:
    for t in range(m):
        f.write(f"create-tenant t{t:04d}\n")
    for z in range(n):
        name = f"z{z:06d}.portfolio.example."
        f.write(f"create-zone t{z % m:04d} {name} ns1.{name}\n")
        f.write(f"add-record {name} www A 3600 192.0.2.{z % 250 + 1}\n")
        f.write(f"add-record {name} @ MX 3600 '10 mail.{name}'\n")
        f.write(f"add-record {name} mail A 3600 192.0.2.25\n")
        f.write(f"add-record {name} @ TXT 3600 '\"v=spf1 mx -all\"'\n")
# 1 % of the zones follow the short policy; secure-zone batches of 5,000
zones = [f"z{z:06d}.portfolio.example." for z in range(n)]
short = set(zones[::100])
for i in range(0, n, 5000):
    with open(f"{d}/secure-{i // 5000:03d}.batch", "w") as f:
        for z in zones[i:i + 5000]:
            f.write(f"secure-zone {z}{' short' if z in short else ''}\n")
for b in range(3):
    name = f"big{b}.portfolio.example."
    with open(f"{d}/big{b}.zone", "w") as f:
        f.write(f"$ORIGIN {name}\n$TTL 3600\n@ SOA ns1 hostmaster 1 10800 3600 604800 3600\n@ NS ns1\nns1 A 192.0.2.53\n")
        for i in range(20000):
            f.write(f"h{i} A 198.51.100.{i % 250 + 1}\n")
PY
t0="$(now)"
su_pf batch "$pf_dir/zones.batch" >/dev/null
pf_create_s="$(elapsed "$t0")"
for b in 0 1 2; do su_pf load-zone t0000 "big$b.portfolio.example." "$pf_dir/big$b.zone" >/dev/null; done

# ---- secure them all
log "portfolio: securing $pf_zones zones (+3 large), 5,000 per batch"
t0="$(now)"
for f in "$pf_dir"/secure-*.batch; do
  su_pf batch "$f" >/dev/null
  log "portfolio: secured through $(basename "$f") ($(elapsed "$t0") s)"
done
pf_secure_s="$(elapsed "$t0")"
t0="$(now)"
for b in 0 1 2; do su_pf secure-zone "big$b.portfolio.example." >/dev/null; done
pf_secure_big_s="$(elapsed "$t0")"
pf_store_kib="$(du -sk "$tmp/store-portfolio" | cut -f1)"

# ---- health, metrics; the key manager's first pass (every zone: its first parent check), then
# the passes with nothing due
t0="$(now)"; su_pf health --json >"$pf_dir/health.json" || true; pf_health_s="$(elapsed "$t0")"
t0="$(now)"; su_pf metrics >"$pf_dir/metrics.txt" || true; pf_metrics_s="$(elapsed "$t0")"
pf_health_zones="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["zones"]) if isinstance(d, dict) and "zones" in d else len(d))' "$pf_dir/health.json" 2>/dev/null || echo '?')"
log "portfolio: first key-manager pass (every zone due)"
t0="$(now)"; pf_tick_all="$(su_pf rollover-tick | tail -1)"; pf_tick_all_s="$(elapsed "$t0")"
pf_refresh_idle=() pf_tick_idle=()
for _ in 1 2 3; do
  pf_refresh_idle+=("$(su_pf refresh | pass_ms)")
  pf_tick_idle+=("$(su_pf rollover-tick | pass_ms)")
done
pf_refresh_idle_med="$(printf '%s\n' "${pf_refresh_idle[@]}" | median)"
pf_tick_idle_med="$(printf '%s\n' "${pf_tick_idle[@]}" | median)"

# ---- pdns_server: start → first answer, RSS
probe_name="$(printf 'z%06d.portfolio.example.' $((pf_zones / 2)))" probe_type="SOA"
log "portfolio: starting pdns_server"
start_server portfolio "$pf_port"
pf_startup="$last_startup"
sleep 1
pf_pid="${server_pid[portfolio]}"
pf_rss="$(status_mib "$pf_pid" VmRSS)"

# ---- Knot consumes the catalog
knot_dir="$tmp/knot"
mkdir -p "$knot_dir/db"
cat >"$knot_dir/knot.conf" <<KNOT
server:
    rundir: "$knot_dir"
    listen: 127.0.0.1@$knot_port
    background-workers: 2
database:
    storage: "$knot_dir/db"
log:
  - target: "$knot_dir/knot.log"
    any: info
remote:
  - id: signer
    address: 127.0.0.1@$pf_port
acl:
  - id: signer-notify
    address: 127.0.0.1
    action: notify
template:
  - id: default
    master: signer
    acl: signer-notify
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
    storage: "$knot_dir/db"
zone:
  - domain: catalog.invalid.
    catalog-role: interpret
    catalog-template: default
KNOT
log "portfolio: Knot loading the catalog"
t0="$(now)"
knotd -c "$knot_dir/knot.conf" >"$knot_dir/knotd.out" 2>&1 &
server_pid[knot]=$!
pf_want=$((pf_zones + 3))
pf_knot_s="" last_count=-1 stalled=0
while :; do
  count="$(grep -c 'AXFR, incoming.*finished' "$knot_dir/knot.log" 2>/dev/null || true)"
  # + the catalog itself
  if [ "${count:-0}" -ge $((pf_want + 1)) ]; then pf_knot_s="$(elapsed "$t0")"; break; fi
  if [ "$count" = "$last_count" ]; then stalled=$((stalled + 1)); else stalled=0; last_count="$count"; fi
  [ "$stalled" -lt 600 ] || die "portfolio: Knot stalled at $count of $pf_want transfers (see $knot_dir/knot.log)"
  sleep 1
done
pf_knot_rss="$(status_mib "${server_pid[knot]}" VmRSS)"
log "portfolio: Knot serves $pf_want zones after $pf_knot_s s"

# ---- the same signed zones through Knot and through pdns_server
python3 - "$pf_dir/q.txt" "$pf_zones" <<'PY'
import random, sys
rnd = random.Random(11)
with open(sys.argv[1], "w") as f:
    for _ in range(50000):
        z = rnd.randrange(int(sys.argv[2]))
        f.write(f"{rnd.choice(('www.', 'mail.', ''))}z{z:06d}.portfolio.example. {rnd.choice(('A', 'A', 'MX'))}\n")
PY
dnsperf_extra=(-D)
declare -A pf_qps=()
for name in portfolio knot; do
  port="$pf_port"
  [ "$name" = knot ] && port="$knot_port"
  # Knot is paused while pdns_server is measured: fresh from 100,000 transfers it still works
  # (zone files, journals) and took CPU 1 from pdns_server, which answered 4,800 qps then against
  # 10,400 with Knot paused. pdns_server is not paused for Knot's turn: Knot would find its
  # primary gone and back off, and the edits below would wait for that.
  [ "$name" = portfolio ] && kill -STOP "${server_pid[knot]}"
  pin "${server_pid[$name]}" 1
  dnsperf_run "$port" "$pf_dir/q.txt" "$warmup" taskset -c 0
  dnsperf_run "$port" "$pf_dir/q.txt" "$duration" taskset -c 0
  pf_qps[$name]="$last_qps"
  pin "${server_pid[$name]}" 0,1
  [ "$name" = portfolio ] && kill -CONT "${server_pid[knot]}"
done
dnsperf_extra=()

# ---- edit → Knot serves the new serial
log "portfolio: edit-to-secondary latency"
: >"$pf_dir/latency.txt"
pf_lat_timeouts=0
for i in $(seq 60); do
  z="$(printf 'z%06d.portfolio.example.' $(((i * 1597) % pf_zones)))"
  before="$(dig @127.0.0.1 -p "$knot_port" +short "$z" SOA | awk '{print $3}')"
  t0="$(now)"
  su_pf replace-rrset "$z" www A 3600 "203.0.113.$((i % 250 + 1))" >/dev/null
  while :; do
    s="$(dig @127.0.0.1 -p "$knot_port" +short +tries=1 +timeout=1 "$z" SOA | awk '{print $3}')"
    [ -n "$s" ] && [ "$s" != "$before" ] && break
    if awk -v a="$t0" -v b="$(now)" 'BEGIN {exit !(b - a > 120)}'; then
      log "portfolio: $z did not reach Knot in 120 s"
      pf_lat_timeouts=$((pf_lat_timeouts + 1))
      break
    fi
    sleep 0.02
  done
  echo "$(elapsed "$t0")" >>"$pf_dir/latency.txt"
done
pf_lat_med="$(median <"$pf_dir/latency.txt")"
pf_lat_p99="$(sort -n "$pf_dir/latency.txt" | awk '{a[NR]=$1} END {i=int(NR*0.99+0.999); if (i>NR) i=NR; print a[i]}')"
stop_server knot
stop_server portfolio

# ---- 1 % due: 25 hours on, the short-policy zones need new signatures and a ZSK rollover
export SIGNET_CLOCK_OFFSET=$((25 * 3600))
pf_refresh_due="$(su_pf refresh | tail -1)"
pf_tick_due="$(su_pf rollover-tick | tail -1)"
count_of() { sed -n 's/^[a-z-]*: \([0-9]*\) zone.*/\1/p'; }
unset SIGNET_CLOCK_OFFSET

out ""
out "### Portfolio: $pf_zones secured zones for $pf_tenants tenants, a Knot secondary on its catalog"
out ""
out "Each small zone: SOA, NS, www A, MX, mail A, TXT; plus three zones of 20,000 names. Default policy (ECDSA P-256, NSEC3), 1 % of the zones on a policy whose signatures and ZSK are due a day after signing (validity 9 d, refresh 8 d before expiry; ZSK lifetime 1 d). One shared catalog; Knot $(knotd --version 2>&1 | awk '{print $NF; exit}') consumes it from pdns_server (xfr-cycle-interval=1)."
out ""
out "| measure | figure | goal |"
out "|---|---:|---|"
out "| create $pf_zones zones with their records (\`signetutil batch\`, one transaction) | ${pf_create_s} s | |"
out "| secure them all (\`signetutil batch\` of secure-zone, 5,000 per batch) | ${pf_secure_s} s ($(awk -v s="$pf_secure_s" -v n="$pf_zones" 'BEGIN {printf "%.0f", n / s}') zones/s) | |"
out "| secure the three 20,000-name zones | ${pf_secure_big_s} s | |"
out "| store on disk | $(mib "$pf_store_kib") | |"
out "| pdns_server start → first answer ($probe_name SOA) | ${pf_startup} s | |"
out "| pdns_server RSS 1 s after | $pf_rss | |"
out "| \`signetutil health --json\` over the portfolio ($pf_health_zones zones) | ${pf_health_s} s | < 5 s |"
out "| \`signetutil metrics\` over the portfolio | ${pf_metrics_s} s | < 5 s |"
out "| key manager, first pass (every zone due: its first parent check) | $(count_of <<<"$pf_tick_all") zones, $(pass_ms <<<"$pf_tick_all") ms in-process (${pf_tick_all_s} s with start-up) | |"
out "| refresher pass, nothing due (median of 3, in-process) | ${pf_refresh_idle_med} ms | < 10 ms |"
out "| key-manager pass, nothing due (median of 3, in-process) | ${pf_tick_idle_med} ms | < 10 ms |"
out "| refresher pass, clock +25 h: the 1 % need new signatures | $(count_of <<<"$pf_refresh_due") zones refreshed, $(pass_ms <<<"$pf_refresh_due") ms | |"
out "| key-manager pass, clock +25 h: the 1 %'s ZSKs are due (and every zone's next parent check) | $(count_of <<<"$pf_tick_due") zones acted on, $(pass_ms <<<"$pf_tick_due") ms | |"
out "| Knot: catalog consumed, every zone transferred and served | ${pf_knot_s} s (Knot RSS $pf_knot_rss) | |"
out "| qps, random zones, DO bit, server on CPU 1, dnsperf on CPU 0, Knot paused (${duration} s): pdns_server + Signet | ${pf_qps[portfolio]} | |"
out "| the same through the Knot secondary | ${pf_qps[knot]} ($(awk -v k="${pf_qps[knot]}" -v p="${pf_qps[portfolio]}" 'BEGIN {printf "%.1f", k / p}')×) | |"
out "| edit (\`signetutil replace-rrset\`) → Knot serves the new serial, 60 edits | median ${pf_lat_med} s, p99 ${pf_lat_p99} s$([ "$pf_lat_timeouts" -eq 0 ] || echo " ($pf_lat_timeouts not there after 120 s, counted as 120 s)") | |"
