#!/usr/bin/env bash
# A multi-zone network lab for end-to-end tests: zone namespaces cde, corp and dmz joined through
# a router namespace whose iptables FORWARD chain is the firewall between them.
#
#   test/lab/lab.sh up ID          # build the lab; exit 3 if ID (or its management block) is taken
#   test/lab/lab.sh mgmt ID ZONE   # management link root namespace <-> ZONE; prints "HOST ZONE_ADDR"
#   test/lab/lab.sh down ID        # kill the lab's processes, delete its namespaces/veths; idempotent
#   test/lab/lab.sh status ID      # exit 0 when the lab is up, 3 otherwise
#
# ID is 6 lowercase hex characters; every name carries it, so parallel labs never collide.
# Addresses come only from 198.18.0.0/15 (RFC 2544 benchmarking range): zones 198.18.{10,20,30}.0/24
# (router .1, host .10); management links a /30 from 198.19.0.0/16. Zones route by default to the
# router, which has no route out of the lab, so no packet reaches an address the lab did not make.
# A lab left behind by a killed test run: `ip netns list | grep '^dw-'`, then `lab.sh down ID`.
# Services inside the zones are started by test/support/lab.ts. Needs root (CAP_NET_ADMIN and
# CAP_SYS_ADMIN) and the Debian packages iproute2 and iptables.
set -euo pipefail

readonly ZONES=(cde corp dmz)
declare -rA OCTET=([cde]=10 [corp]=20 [dmz]=30)
# one letter per zone in interface names: IFNAMSIZ allows 15 characters
declare -rA LETTER=([cde]=c [corp]=p [dmz]=d)
# each lab owns a /28 of 198.19.0.0/16; each zone a /30 in it
declare -rA MGMT_OFFSET=([cde]=0 [corp]=4 [dmz]=8)

EXIT_TAKEN=3

die() {
  printf 'lab.sh: %s\n' "$*" >&2
  exit 1
}
usage() {
  printf 'usage: %s up|down|status ID | mgmt ID cde|corp|dmz   (ID: 6 lowercase hex characters)\n' "$0" >&2
  exit 2
}

ID=''
set_id() {
  [[ "${1:-}" =~ ^[0-9a-f]{6}$ ]] || usage
  ID="$1"
}

ns_router() { printf 'dw-%s-router\n' "$ID"; }
ns_zone() { printf 'dw-%s-%s\n' "$ID" "$1"; }
all_ns() {
  ns_router
  local z
  for z in "${ZONES[@]}"; do ns_zone "$z"; done
}
# zone end / router end of a zone's link; root end / zone end of its management link
if_zone() { printf 'dw%s%sz\n' "$ID" "${LETTER[$1]}"; }
if_router() { printf 'dw%s%sr\n' "$ID" "${LETTER[$1]}"; }
if_mgmt_host() { printf 'dw%sm%sh\n' "$ID" "${LETTER[$1]}"; }
if_mgmt_zone() { printf 'dw%sm%sz\n' "$ID" "${LETTER[$1]}"; }

# The lab's /28 of 198.19.0.0/16, from the last three hex digits of its ID.
mgmt_block() {
  local idx=$((16#${ID:3:3}))
  printf '198.19.%d.%d\n' $((idx >> 4)) $(((idx & 15) << 4))
}
# "<root-side address> <zone-side address>" of a zone's management /30
mgmt_addresses() {
  local base last
  base="$(mgmt_block)"
  last=$((${base##*.} + ${MGMT_OFFSET[$1]}))
  printf '%s.%d %s.%d\n' "${base%.*}" $((last + 1)) "${base%.*}" $((last + 2))
}

ns_exists() { [[ -e "/var/run/netns/$1" ]]; }
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }
in_ns() {
  local ns="$1"
  shift
  ip netns exec "$ns" "$@"
}

# Is bit <n> set in this process's effective capabilities?
has_cap() {
  local eff
  eff="$(awk '/^CapEff:/ { print $2 }' /proc/self/status)"
  (((16#$eff >> $1) & 1))
}

require_tools() {
  # CAP_NET_ADMIN (12) for links and iptables, CAP_SYS_ADMIN (21) for the netns bind mounts
  { has_cap 12 && has_cap 21; } ||
    die "the network lab needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN); run it as root"
  command -v ip >/dev/null 2>&1 || die "ip not found: apt-get install -y iproute2"
  command -v iptables >/dev/null 2>&1 || die "iptables not found: apt-get install -y iptables"
}

# IPv4 only: no IPv6 link-local paths that the firewall and routes above would not cover.
no_ipv6() {
  local ns="$1"
  [[ -d /proc/sys/net/ipv6 ]] || return 0
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# The default firewall. Policy DROP first, forwarding on only after it, so nothing ever passes
# unfiltered.
firewall_defaults() {
  local r c p d
  r="$(ns_router)"
  c="$(if_router cde)"
  p="$(if_router corp)"
  d="$(if_router dmz)"
  in_ns "$r" iptables -w -P FORWARD DROP
  in_ns "$r" iptables -w -F FORWARD
  in_ns "$r" iptables -w -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  in_ns "$r" iptables -w -A FORWARD -i "$p" -o "$d" -s 198.18.20.0/24 -d 198.18.30.0/24 \
    -p tcp --dport 80 -j ACCEPT
  in_ns "$r" iptables -w -A FORWARD -i "$p" -o "$c" -s 198.18.20.0/24 -d 198.18.10.0/24 \
    -p tcp -m multiport --dports 22,443 -j ACCEPT
  # dmz -> cde, and anything else: the DROP policy
}

UP_DONE=0
undo_failed_up() {
  local rc=$?
  ((UP_DONE)) && return 0
  printf 'lab.sh: up %s failed (exit %s); removing what it made\n' "$ID" "$rc" >&2
  cmd_down >/dev/null 2>&1 || true
  exit "$rc"
}

cmd_up() {
  require_tools
  local ns z other block
  # Refuse before creating anything: a half-built lab of someone else must not be torn down.
  while read -r ns; do
    if ns_exists "$ns"; then
      printf 'lab.sh: namespace %s already exists\n' "$ns" >&2
      exit "$EXIT_TAKEN"
    fi
  done < <(all_ns)
  block="$(mgmt_block)"
  while read -r other; do
    if [[ "$other" =~ ^dw-([0-9a-f]{6})-router$ && "${BASH_REMATCH[1]:3:3}" == "${ID:3:3}" ]]; then
      printf 'lab.sh: lab %s already uses management block %s/28\n' "${BASH_REMATCH[1]}" "$block" >&2
      exit "$EXIT_TAKEN"
    fi
  done < <(ip netns list | awk '{ print $1 }')
  if [[ -n "$(ip -4 -o addr show to "$block/28")" ]]; then
    printf 'lab.sh: management block %s/28 is in use in the root namespace\n' "$block" >&2
    exit "$EXIT_TAKEN"
  fi

  trap undo_failed_up EXIT
  while read -r ns; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    no_ipv6 "$ns"
  done < <(all_ns)

  firewall_defaults
  in_ns "$(ns_router)" sysctl -qw net.ipv4.ip_forward=1

  local r zns zi ri o
  r="$(ns_router)"
  for z in "${ZONES[@]}"; do
    zns="$(ns_zone "$z")"
    zi="$(if_zone "$z")"
    ri="$(if_router "$z")"
    o="${OCTET[$z]}"
    # Both ends are created inside lab namespaces: no zone link ever appears in the root namespace.
    ip -n "$r" link add "$ri" type veth peer name "$zi" netns "$zns"
    ip -n "$r" addr add "198.18.$o.1/24" dev "$ri"
    ip -n "$r" link set "$ri" up
    ip -n "$zns" addr add "198.18.$o.10/24" dev "$zi"
    ip -n "$zns" link set "$zi" up
    ip -n "$zns" route add default via "198.18.$o.1"
  done
  UP_DONE=1
  trap - EXIT
  printf 'lab %s up\n' "$ID"
}

# A veth from the root namespace into ZONE with a /30 of the lab's block. The zone only gets the
# connected /30 route: its default route stays on the router, so the root namespace is reachable
# at exactly one address.
cmd_mgmt() {
  local zone="$1" zns hi zi addrs host zaddr
  [[ "$zone" =~ ^(cde|corp|dmz)$ ]] || usage
  require_tools
  zns="$(ns_zone "$zone")"
  ns_exists "$zns" || die "lab $ID is not up (no namespace $zns)"
  hi="$(if_mgmt_host "$zone")"
  zi="$(if_mgmt_zone "$zone")"
  addrs="$(mgmt_addresses "$zone")"
  read -r host zaddr <<<"$addrs"
  if ! link_exists "$hi"; then
    ip link add "$hi" type veth peer name "$zi" netns "$zns"
    # before the link comes up, so it never gets an IPv6 link-local address
    if [[ -d /proc/sys/net/ipv6 ]]; then sysctl -qw "net.ipv6.conf.$hi.disable_ipv6=1"; fi
    ip addr add "$host/30" dev "$hi"
    ip link set "$hi" up
    ip -n "$zns" addr add "$zaddr/30" dev "$zi"
    ip -n "$zns" link set "$zi" up
  fi
  printf '%s %s\n' "$host" "$zaddr"
}

# Processes in the lab's namespaces: TERM, up to 5 s to exit, then KILL.
kill_lab_processes() {
  local ns pid i alive
  local -a pids=()
  while read -r ns; do
    ns_exists "$ns" || continue
    while read -r pid; do
      if [[ -n "$pid" ]]; then pids+=("$pid"); fi
    done < <(ip netns pids "$ns" 2>/dev/null || true)
  done < <(all_ns)
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive=0
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

cmd_down() {
  local ns z hi
  kill_lab_processes
  while read -r ns; do
    if ns_exists "$ns"; then ip netns del "$ns"; fi
  done < <(all_ns)
  # The kernel frees a deleted namespace (and the veth peers inside it) asynchronously: delete
  # the root-namespace ends now, so they are gone when `down` returns.
  for z in "${ZONES[@]}"; do
    hi="$(if_mgmt_host "$z")"
    # (a second look: the kernel may have removed it meanwhile)
    if link_exists "$hi" && ! ip link del "$hi" 2>/dev/null && link_exists "$hi"; then
      die "could not delete $hi"
    fi
  done
  printf 'lab %s down\n' "$ID"
}

cmd_status() {
  local ns z missing=0 hi
  while read -r ns; do
    if ns_exists "$ns"; then printf 'netns %-18s present\n' "$ns"; else
      printf 'netns %-18s missing\n' "$ns"
      missing=1
    fi
  done < <(all_ns)
  for z in "${ZONES[@]}"; do
    hi="$(if_mgmt_host "$z")"
    if link_exists "$hi"; then printf 'mgmt  %-18s %s (root side, zone side)\n' "$z" "$(mgmt_addresses "$z")"; fi
  done
  if ((missing)); then return 3; fi
  printf -- '---- router FORWARD chain ----\n'
  in_ns "$(ns_router)" iptables -w -S FORWARD
  for z in "${ZONES[@]}"; do
    printf -- '---- %s ----\n' "$z"
    ip -n "$(ns_zone "$z")" -4 -brief addr
    ip -n "$(ns_zone "$z")" route
    in_ns "$(ns_zone "$z")" ss -Hltn
  done
}

case "${1:-}" in
up)
  set_id "${2:-}"
  cmd_up
  ;;
mgmt)
  set_id "${2:-}"
  cmd_mgmt "${3:-}"
  ;;
down)
  set_id "${2:-}"
  cmd_down
  ;;
status)
  set_id "${2:-}"
  cmd_status
  ;;
*) usage ;;
esac
