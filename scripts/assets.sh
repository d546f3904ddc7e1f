#!/usr/bin/env bash
# Refreshes the vendored front-end files under internal/ui/web from the npm registry.
#
#   scripts/assets.sh            # install into a scratch dir, copy, delete the scratch dir
#   KEEP=1 scripts/assets.sh     # keep the scratch dir (its path is printed)
#
# The app loads nothing from the internet at run time, so the built files are committed and
# embedded in the binary. Only what the pages use is copied: the minified USWDS CSS and JS, the
# fonts and images that uswds.min.css refers to with url(...), the icon sprite and the banner
# icons, htmx, and axe-core (tests only, kept outside static/). To move to new versions, change
# the three pins below, run this script, and run `go test ./internal/ui/web/`.
set -euo pipefail

USWDS_VERSION=3.14.0
HTMX_VERSION=2.0.11
AXE_VERSION=4.14.1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/internal/ui/web"
static="$web/static"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-assets.XXXXXX")"
if [[ "${KEEP:-}" != 1 ]]; then
  trap 'rm -rf "$scratch"' EXIT
else
  echo "scratch dir: $scratch"
fi

(
  cd "$scratch"
  printf '{"name":"bulwark-assets","private":true}\n' > package.json
  npm install --save-exact --no-audit --no-fund --ignore-scripts --loglevel=error \
    "@uswds/uswds@$USWDS_VERSION" "htmx.org@$HTMX_VERSION" "axe-core@$AXE_VERSION"
)

nm="$scratch/node_modules"
uswds="$nm/@uswds/uswds/dist"

# Copies a minified file without its trailing sourceMappingURL comment: the maps are not shipped,
# and a dangling reference would only produce 404s in the browser's developer tools.
copy_min() {
  mkdir -p "$(dirname "$2")"
  grep -v -E '^[/][/*]# sourceMappingURL=' "$1" > "$2"
}

rm -rf "$static/uswds" "$static/htmx"
mkdir -p "$static/uswds/css" "$static/uswds/js" "$static/uswds/img" "$static/htmx" "$web/testdata"

copy_min "$uswds/css/uswds.min.css" "$static/uswds/css/uswds.min.css"
copy_min "$uswds/js/uswds.min.js" "$static/uswds/js/uswds.min.js"
copy_min "$uswds/js/uswds-init.min.js" "$static/uswds/js/uswds-init.min.js"

# Every file the stylesheet refers to (fonts, images), relative to dist/css. Empty url() only
# appears inside @supports feature queries and loads nothing.
grep -o 'url([^)]*)' "$uswds/css/uswds.min.css" \
  | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' \
  | grep -v -E '^$|^data:|^#' \
  | sort -u \
  | while read -r ref; do
      rel="${ref#../}"
      mkdir -p "$static/uswds/$(dirname "$rel")"
      cp "$uswds/$rel" "$static/uswds/$rel"
    done

# Images the templates use directly: the icon sprite (<use href="...sprite.svg#name">) and the
# icons of the "official website" banner.
for img in sprite.svg icon-dot-gov.svg icon-https.svg lock.svg us_flag_small.png; do
  cp "$uswds/img/$img" "$static/uswds/img/$img"
done

cp "$nm/htmx.org/dist/htmx.min.js" "$static/htmx/htmx.min.js"
cp "$nm/axe-core/axe.min.js" "$web/testdata/axe.min.js"

cat > "$static/VERSIONS.txt" <<TXT
Vendored front-end files, copied by scripts/assets.sh from the npm registry. Do not edit by hand:
change the pins in the script and run it again.

@uswds/uswds $USWDS_VERSION (U.S. Web Design System)
  files:    uswds/css/uswds.min.css, uswds/js/uswds.min.js, uswds/js/uswds-init.min.js,
            uswds/fonts/** and uswds/img/** that uswds.min.css refers to with url(...),
            uswds/img/sprite.svg and the banner icons (icon-dot-gov.svg, icon-https.svg,
            lock.svg, us_flag_small.png)
  licence:  GSA's work is in the public domain (CC0 1.0). Fonts under the SIL Open Font
            License 1.1 (Source Sans Pro, Merriweather); Roboto Mono and Material Icons
            (sprite.svg, img/usa-icons*) under the Apache License 2.0; normalize.css parts
            under MIT. Details: LICENSE.md in the npm package.

htmx.org $HTMX_VERSION
  files:    htmx/htmx.min.js
  licence:  0BSD

axe-core $AXE_VERSION (tests only: kept in ../testdata/axe.min.js, outside static/, never served)
  licence:  MPL-2.0

Changes made when copying: trailing sourceMappingURL comments removed (the source maps are not
shipped). Nothing else is modified.
TXT

du -sh "$static" "$web/testdata"
