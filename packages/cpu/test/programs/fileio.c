/*
 * File I/O through the system calls, on a file whose path is the first
 * argument (the test passes a fresh temporary path): open with O_CREAT|O_EXCL
 * (and again, which must fail with EEXIST), write, lseek (SEEK_SET, SEEK_CUR,
 * SEEK_END, past the end leaving a hole that reads back as zeros), read,
 * pread/pwrite, readv/writev, fstat and stat (size, type, permission bits,
 * link count, blocks are not printed), ftruncate, dup/dup2, fcntl (flags,
 * FD_CLOEXEC), O_APPEND, rename, unlink, and the errno of failing calls
 * (ENOENT, EBADF, EISDIR, EINVAL). Nothing printed depends on the path,
 * times, inode or device numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EISDIR: return "EISDIR";
    case EACCES: return "EACCES";
    default: return "other";
  }
}

static void report(const char *what, long r) {
  if (r < 0) printf("%s -> -1 %s\n", what, errno_name(errno));
  else printf("%s -> %ld\n", what, r);
}

static void show_stat(const char *what, const struct stat *st) {
  printf("%s: size %lld type %s mode %04o nlink %lu\n", what, (long long)st->st_size,
         S_ISREG(st->st_mode) ? "file" : S_ISDIR(st->st_mode) ? "dir" : "other", (unsigned)(st->st_mode & 07777),
         (unsigned long)st->st_nlink);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fileio PATH\n");
    return 2;
  }
  const char *path = argv[1];
  char other[4096];
  snprintf(other, sizeof other, "%s.renamed", path);
  umask(022);
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0640);
  report("open O_CREAT|O_EXCL", fd < 0 ? -1 : 0);
  report("open again O_EXCL", open(path, O_RDWR | O_CREAT | O_EXCL, 0640));
  const char text[] = "The quick brown fox jumps over the lazy dog.\n";
  report("write", write(fd, text, sizeof text - 1));
  report("lseek cur", lseek(fd, 0, SEEK_CUR));
  report("lseek set 4", lseek(fd, 4, SEEK_SET));
  char buf[256];
  memset(buf, 0, sizeof buf);
  report("read 5", read(fd, buf, 5));
  printf("read: \"%s\"\n", buf);
  report("lseek cur -3", lseek(fd, -3, SEEK_CUR));
  report("lseek end 100 (hole)", lseek(fd, 100, SEEK_END));
  report("write after hole", write(fd, "END", 3));
  struct stat st;
  report("fstat", fstat(fd, &st));
  show_stat("fstat", &st);
  report("pread 8 at 40", pread(fd, buf, 8, 40));
  int zeros = 0;
  for (int i = 0; i < 8; i++) zeros += buf[i] == 0;
  printf("pread: \"%.4s\" then %d zero bytes of the hole\n", buf, zeros - 0);
  report("pwrite at 10", pwrite(fd, "BROWN", 5, 10));
  report("lseek cur (pwrite keeps it)", lseek(fd, 0, SEEK_CUR));
  struct iovec iov[3] = {{(void *)"ab", 2}, {(void *)"", 0}, {(void *)"cdef", 4}};
  report("lseek set 0", lseek(fd, 0, SEEK_SET));
  report("writev", writev(fd, iov, 3));
  char x1[3] = {0}, x2[20] = {0};
  struct iovec rv[2] = {{x1, 2}, {x2, 19}};
  report("lseek set 0", lseek(fd, 0, SEEK_SET));
  report("readv", readv(fd, rv, 2));
  printf("readv: \"%s\" \"%s\"\n", x1, x2);
  report("ftruncate 20", ftruncate(fd, 20));
  report("fstat", fstat(fd, &st));
  show_stat("after ftruncate", &st);
  report("read at end", read(fd, buf, sizeof buf));
  int fd2 = dup(fd);
  report("dup", fd2 > fd ? 1 : -1);
  report("lseek via dup", lseek(fd2, 3, SEEK_SET));
  report("position shared", lseek(fd, 0, SEEK_CUR));
  report("dup2 to 40", dup2(fd, 40));
  report("fcntl F_GETFD", fcntl(40, F_GETFD));
  report("fcntl F_SETFD cloexec", fcntl(40, F_SETFD, FD_CLOEXEC));
  report("fcntl F_GETFD", fcntl(40, F_GETFD));
  report("fcntl F_GETFL accmode", fcntl(fd, F_GETFL) & O_ACCMODE);
  report("close 40", close(40));
  report("close 40 again", close(40));
  report("close dup", close(fd2));
  report("close", close(fd));
  fd = open(path, O_WRONLY | O_APPEND);
  report("lseek 0 then append", lseek(fd, 0, SEEK_SET));
  report("write appends", write(fd, "++", 2));
  report("fstat", fstat(fd, &st));
  show_stat("after append", &st);
  close(fd);
  fd = open(path, O_RDONLY);
  memset(buf, 0, sizeof buf);
  report("read all", read(fd, buf, sizeof buf - 1));
  printf("content: \"%s\"\n", buf);
  report("write to O_RDONLY", write(fd, "x", 1));
  report("lseek negative", lseek(fd, -1, SEEK_SET));
  close(fd);
  report("stat", stat(path, &st));
  show_stat("stat", &st);
  report("chmod 0600", chmod(path, 0600));
  stat(path, &st);
  show_stat("after chmod", &st);
  report("rename", rename(path, other));
  report("stat old name", stat(path, &st));
  report("access new name R_OK", access(other, R_OK));
  report("open directory for writing", open("/", O_WRONLY));
  report("read bad fd", read(12345, buf, 1));
  report("unlink", unlink(other));
  report("unlink again", unlink(other));
  return 0;
}
