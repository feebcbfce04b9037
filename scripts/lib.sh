# Shared shell helpers for scripts/ (sourced, not run).

# A port free for both UDP and TCP on 127.0.0.1.
free_port() {
  python3 - <<'PY'
import socket, random
for _ in range(1000):
    p = random.randint(20000, 50000)
    try:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", p))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
        t.close(); u.close(); print(p); break
    except OSError:
        pass
PY
}

# wait_for_dns PORT NAME [SECONDS]: until the server on 127.0.0.1:PORT answers NAME SOA.
wait_for_dns() {
  local port="$1" name="$2" limit="${3:-20}" i
  for ((i = 0; i < limit * 10; i++)); do
    if dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" "$name" SOA 2>/dev/null | grep -q .; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}
