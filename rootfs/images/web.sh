#!/bin/sh
# web image: busybox httpd serving a small page from /www (cmd: /bin/httpd -f -p 80 -h /www)
# usage: rootfs/images/web.sh DIR
set -eu
. "$(dirname "$0")/base.sh"
D=${1:?usage: web.sh DIR}
image_base "$D"
mkdir -p "$D/www/cgi-bin"
cat > "$D/www/index.html" <<'HTML'
<!doctype html>
<html><head><title>cabin demo</title></head>
<body><h1>Hello from a cabin container</h1>
<p>busybox httpd, read-only root, its own namespaces and cgroups.</p>
<p><a href="/cgi-bin/info">container info</a></p></body></html>
HTML
cat > "$D/www/cgi-bin/info" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
echo "hostname: $(hostname)"
echo "pid of the server: $PPID"
echo "uptime: $(cut -d' ' -f1 /proc/uptime)"
CGI
chmod 755 "$D/www/cgi-bin/info"
echo "image web: $D"
