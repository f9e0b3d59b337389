#!/bin/sh
# Rebuilds example.iso from the tree below: Rock Ridge and Joliet, made by genisoimage.
set -eu
cd "$(dirname "$0")"
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/boot/grub" "$tree/platform/i86xpv/kernel/amd64" "$tree/docs/deep/er/than/eight/levels/of/dirs/here"
cat > "$tree/README.txt" <<'TXT'
This is the example image of the xVM tools. Read it with
  fsimage ls -lR examples/example.iso
  fsimage cat examples/example.iso:/README.txt
or mount it:
  tmount examples/example.iso
TXT
cat > "$tree/boot/grub/menu.lst" <<'TXT'
default 0
timeout 5
title Solaris xVM
kernel$ /boot/$ISADIR/xen.gz
module$ /platform/i86xpv/kernel/$ISADIR/unix /platform/i86xpv/kernel/$ISADIR/unix
module$ /platform/i86pc/$ISADIR/boot_archive
TXT
printf 'not really a kernel\n' > "$tree/platform/i86xpv/kernel/amd64/unix"
ln -s amd64/unix "$tree/platform/i86xpv/kernel/unix"
printf 'eight levels down\n' > "$tree/docs/deep/er/than/eight/levels/of/dirs/here/note.txt"
printf 'a name with spaces\n' > "$tree/docs/with space.txt"
chmod 0755 "$tree"
chmod 0755 "$tree/platform/i86xpv/kernel/amd64/unix"
find "$tree" -exec touch -h -d '2008-01-22 12:00:00 UTC' {} +
genisoimage -quiet -R -J -V XVM_EXAMPLE -o example.iso "$tree"
