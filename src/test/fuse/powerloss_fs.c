/*
 * powerloss-fs: a FUSE file system that forgets what was not fsynced, for the power-loss tests.
 *
 * The model is LazyFS's (Jepsen, VLDB 2024): what a program writes is visible to it at once, but
 * reaches "the disk" only when it asks for it with fsync:
 *
 *   - data and size changes of a file become durable at an fsync/fdatasync of that file;
 *   - names (creates, renames, unlinks) become durable at an fsync of the folder, which makes
 *     the whole folder's listing durable at once; a name made durable for a file never fsynced
 *     gives an empty file, as on a real disk;
 *   - on a power cut everything not yet durable is dropped. Optionally the cut is torn: of each
 *     named file's un-synced pages, a prefix in file order (whole 4 KiB pages, the file growing to
 *     cover them) reaches the disk, as the kernel's writeback could have written them.
 *
 * The disk is a plain folder (DISK): it always holds exactly what a real disk could hold after
 * a power cut at this moment, file by file under their durable names. What the program sees lives
 * in a scratch folder (SCRATCH) as one file per inode; so do durable contents of files that have
 * no durable name yet. The file system is flat: one folder, regular files only.
 *
 * It is driven by line commands on stdin; each is answered by one line starting with "= " on
 * stdout (other lines, starting with "# ", report events):
 *
 *   cut               power cut: freeze every operation (they never return), drop what is not
 *                     durable, answer with what was dropped. Kill the processes using the mount,
 *                     then this process, then unmount.
 *   cut-torn SEED     the same, a page-aligned prefix of each file's un-synced data persisting
 *   fail-fsync N      the next N fsyncs of files fail with EIO; as Linux does after a writeback
 *                     error, the file's un-synced data is then marked clean without being written
 *   capacity BYTES    the disk holds at most BYTES of file data: writes beyond get ENOSPC
 *   capacity none     no limit (the default)
 *   stats             counts of operations seen
 *
 * End of stdin (the test process died) detaches the mount and exits.
 *
 * Usage: powerloss-fs DISK SCRATCH MOUNTPOINT
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#define PAGE 4096
#define COPY_CHUNK (1 << 20)

struct node {
    uint64_t id;
    char *name;        /* visible name, NULL once unlinked or renamed over */
    char *dname;       /* durable name in DISK, NULL if the disk has no name for it */
    int vfd;           /* visible content: SCRATCH/v<id>; -1 once nothing can see it */
    int dfd;           /* durable content: DISK/<dname>, or SCRATCH/d<id> while unnamed; -1 if none */
    off_t vsize;       /* visible size */
    int opens;
    unsigned char *dirty; /* one byte per page: written since the last fsync */
    size_t dirty_cap;
    size_t ndirty;
    struct node *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node *nodes;
static uint64_t next_id = 1;
static char disk_dir[PATH_MAX];
static char scratch_dir[PATH_MAX];
static char mount_point[PATH_MAX];
static int disk_fd = -1;
static int scratch_fd = -1;

static long long capacity = -1; /* bytes, -1: no limit */
static long long used;           /* sum of visible sizes */
static int fail_fsyncs;
static int frozen;

static unsigned long long n_fsync, n_fdatasync, n_fsyncdir, n_failed_fsync, n_enospc, n_writes;
static unsigned long long bytes_written, bytes_synced;

static void say(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vfprintf(stdout, format, args);
    va_end(args);
    fputc('\n', stdout);
    fflush(stdout);
}

static void die(const char *what)
{
    fprintf(stderr, "powerloss-fs: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void scratch_name(char *out, size_t size, char kind, uint64_t id)
{
    snprintf(out, size, "%c%llu", kind, (unsigned long long) id);
}

static struct node *find(const char *path)
{
    if (path == NULL || path[0] != '/' || path[1] == '\0' || strchr(path + 1, '/') != NULL) {
        return NULL;
    }
    for (struct node *n = nodes; n != NULL; n = n->next) {
        if (n->name != NULL && strcmp(n->name, path + 1) == 0) {
            return n;
        }
    }
    return NULL;
}

static struct node *node_of(const char *path, struct fuse_file_info *fi)
{
    if (fi != NULL && fi->fh != 0) {
        return (struct node *) (uintptr_t) fi->fh;
    }
    return find(path);
}

static void mark_dirty(struct node *n, off_t from, off_t to)
{
    if (to <= from) {
        return;
    }
    size_t first = (size_t) (from / PAGE);
    size_t last = (size_t) ((to - 1) / PAGE);
    if (last >= n->dirty_cap) {
        size_t cap = n->dirty_cap == 0 ? 64 : n->dirty_cap;
        while (cap <= last) {
            cap *= 2;
        }
        unsigned char *grown = realloc(n->dirty, cap);
        if (grown == NULL) {
            die("out of memory");
        }
        memset(grown + n->dirty_cap, 0, cap - n->dirty_cap);
        n->dirty = grown;
        n->dirty_cap = cap;
    }
    for (size_t p = first; p <= last; p++) {
        if (!n->dirty[p]) {
            n->dirty[p] = 1;
            n->ndirty++;
        }
    }
}

static void clear_dirty(struct node *n)
{
    if (n->dirty != NULL) {
        memset(n->dirty, 0, n->dirty_cap);
    }
    n->ndirty = 0;
}

/* Copies visible bytes [from, to) to the durable content. */
static int copy_range(struct node *n, off_t from, off_t to)
{
    static char buffer[COPY_CHUNK];
    if (to > n->vsize) {
        to = n->vsize;
    }
    while (from < to) {
        size_t want = (size_t) (to - from < COPY_CHUNK ? to - from : COPY_CHUNK);
        ssize_t got = pread(n->vfd, buffer, want, from);
        if (got <= 0) {
            return got < 0 ? -errno : -EIO;
        }
        for (ssize_t done = 0; done < got;) {
            ssize_t put = pwrite(n->dfd, buffer + done, (size_t) (got - done), from + done);
            if (put < 0) {
                return -errno;
            }
            done += put;
        }
        bytes_synced += (unsigned long long) got;
        from += got;
    }
    return 0;
}

static int ensure_durable_content(struct node *n)
{
    if (n->dfd >= 0) {
        return 0;
    }
    char name[32];
    scratch_name(name, sizeof name, 'd', n->id);
    n->dfd = openat(scratch_fd, name, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
    if (n->dfd < 0) {
        return -errno;
    }
    struct stat vst;
    if (n->vfd >= 0 && fstat(n->vfd, &vst) == 0) {
        fchmod(n->dfd, vst.st_mode & 07777);
    }
    return 0;
}

/*
 * Writes the first `pages` un-synced pages (in file order) to the durable content. All of them
 * is an fsync; fewer is what a torn power cut leaves.
 */
static int persist_pages(struct node *n, size_t pages)
{
    int err = ensure_durable_content(n);
    if (err != 0) {
        return err;
    }
    size_t all = n->ndirty;
    size_t copied = 0;
    off_t end = 0;
    for (size_t p = 0; p < n->dirty_cap && copied < pages; p++) {
        if (!n->dirty[p]) {
            continue;
        }
        size_t run = p;
        while (run < n->dirty_cap && n->dirty[run] && copied < pages) {
            n->dirty[run] = 0;
            n->ndirty--;
            copied++;
            run++;
        }
        err = copy_range(n, (off_t) p * PAGE, (off_t) run * PAGE);
        if (err != 0) {
            return err;
        }
        end = (off_t) run * PAGE;
        p = run;
    }
    struct stat vst;
    if (fstat(n->vfd, &vst) != 0) {
        return -errno;
    }
    off_t size = n->vsize;
    if (copied < all) {
        struct stat dst;
        if (fstat(n->dfd, &dst) != 0) {
            return -errno;
        }
        /* Only grows, to cover the pages written; a pending truncation is not applied. */
        size = dst.st_size;
        off_t reached = end < n->vsize ? end : n->vsize;
        if (reached > size) {
            size = reached;
        }
    }
    if (ftruncate(n->dfd, size) != 0 || fchmod(n->dfd, vst.st_mode & 07777) != 0) {
        return -errno;
    }
    return 0;
}

/* Drops what nothing can reach any more: visible content nobody sees, durable content without a name. */
static void collect(struct node *n)
{
    if (n->name == NULL && n->opens == 0 && n->vfd >= 0) {
        char name[32];
        scratch_name(name, sizeof name, 'v', n->id);
        close(n->vfd);
        unlinkat(scratch_fd, name, 0);
        n->vfd = -1;
        used -= n->vsize;
        n->vsize = 0;
        clear_dirty(n);
    }
    if (n->vfd < 0 && n->dname == NULL) {
        if (n->dfd >= 0) {
            char name[32];
            scratch_name(name, sizeof name, 'd', n->id);
            close(n->dfd);
            unlinkat(scratch_fd, name, 0);
            n->dfd = -1;
        }
        for (struct node **link = &nodes; *link != NULL; link = &(*link)->next) {
            if (*link == n) {
                *link = n->next;
                break;
            }
        }
        free(n->dirty);
        free(n);
    }
}

static void collect_all(void)
{
    struct node *n = nodes;
    while (n != NULL) {
        struct node *next = n->next;
        collect(n);
        n = next;
    }
}

/* fsync of the folder: the disk's names become the visible ones. */
static int sync_folder(void)
{
    char name[32];
    /* Names that change or go: their durable content steps aside, unnamed. */
    for (struct node *n = nodes; n != NULL; n = n->next) {
        if (n->dname != NULL && (n->name == NULL || strcmp(n->name, n->dname) != 0)) {
            scratch_name(name, sizeof name, 'd', n->id);
            if (renameat(disk_fd, n->dname, scratch_fd, name) != 0) {
                return -errno;
            }
            free(n->dname);
            n->dname = NULL;
        }
    }
    /* Names that come: the file's durable content (empty if it was never fsynced) takes the name. */
    for (struct node *n = nodes; n != NULL; n = n->next) {
        if (n->name != NULL && n->dname == NULL) {
            int err = ensure_durable_content(n);
            if (err != 0) {
                return err;
            }
            scratch_name(name, sizeof name, 'd', n->id);
            if (renameat(scratch_fd, name, disk_fd, n->name) != 0) {
                return -errno;
            }
            n->dname = strdup(n->name);
        }
    }
    /* Durable content without a name now can never be reached again. */
    for (struct node *n = nodes; n != NULL; n = n->next) {
        if (n->name == NULL && n->dname == NULL && n->dfd >= 0) {
            scratch_name(name, sizeof name, 'd', n->id);
            close(n->dfd);
            unlinkat(scratch_fd, name, 0);
            n->dfd = -1;
        }
    }
    collect_all();
    return 0;
}

static struct node *new_node(const char *name)
{
    struct node *n = calloc(1, sizeof *n);
    if (n == NULL) {
        die("out of memory");
    }
    n->id = next_id++;
    n->name = name == NULL ? NULL : strdup(name);
    n->vfd = -1;
    n->dfd = -1;
    n->next = nodes;
    nodes = n;
    return n;
}

/* ---- FUSE operations; each runs under the one lock ---- */

static void enter(void)
{
    pthread_mutex_lock(&lock);
}

static int leave(int result)
{
    pthread_mutex_unlock(&lock);
    return result;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    enter();
    if (fi == NULL && path != NULL && strcmp(path, "/") == 0) {
        if (fstat(disk_fd, st) != 0) {
            return leave(-errno);
        }
        st->st_ino = 1;
        return leave(0);
    }
    struct node *n = node_of(path, fi);
    if (n == NULL || n->vfd < 0) {
        return leave(-ENOENT);
    }
    if (fstat(n->vfd, st) != 0) {
        return leave(-errno);
    }
    st->st_ino = n->id + 1;
    st->st_nlink = n->name != NULL ? 1 : 0;
    return leave(0);
}

static int fs_readdir(const char *path, void *buffer, fuse_fill_dir_t fill, off_t offset,
        struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void) path;
    (void) offset;
    (void) fi;
    (void) flags;
    enter();
    fill(buffer, ".", NULL, 0, 0);
    fill(buffer, "..", NULL, 0, 0);
    for (struct node *n = nodes; n != NULL; n = n->next) {
        if (n->name != NULL) {
            fill(buffer, n->name, NULL, 0, 0);
        }
    }
    return leave(0);
}

static int truncate_node(struct node *n, off_t size)
{
    if (size > n->vsize && capacity >= 0 && used - n->vsize + size > capacity) {
        n_enospc++;
        return -ENOSPC;
    }
    if (ftruncate(n->vfd, size) != 0) {
        return -errno;
    }
    mark_dirty(n, size < n->vsize ? size : n->vsize, size < n->vsize ? n->vsize : size);
    used += size - n->vsize;
    n->vsize = size;
    return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
    enter();
    struct node *n = find(path);
    if (n == NULL) {
        return leave(-ENOENT);
    }
    if ((fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY) {
        int err = truncate_node(n, 0);
        if (err != 0) {
            return leave(err);
        }
    }
    n->opens++;
    fi->fh = (uint64_t) (uintptr_t) n;
    fi->direct_io = 1;
    return leave(0);
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    enter();
    if (path == NULL || path[0] != '/' || strchr(path + 1, '/') != NULL) {
        return leave(-EPERM);
    }
    struct node *n = find(path);
    if (n != NULL) {
        if (fi->flags & O_EXCL) {
            return leave(-EEXIST);
        }
    }
    else {
        n = new_node(path + 1);
        char name[32];
        scratch_name(name, sizeof name, 'v', n->id);
        n->vfd = openat(scratch_fd, name, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
        if (n->vfd < 0 || fchmod(n->vfd, mode & 07777) != 0) {
            int err = -errno;
            free(n->name);
            n->name = NULL;
            collect(n);
            return leave(err);
        }
    }
    n->opens++;
    fi->fh = (uint64_t) (uintptr_t) n;
    fi->direct_io = 1;
    return leave(0);
}

static int fs_read(const char *path, char *buffer, size_t size, off_t offset, struct fuse_file_info *fi)
{
    enter();
    struct node *n = node_of(path, fi);
    if (n == NULL || n->vfd < 0) {
        return leave(-ENOENT);
    }
    ssize_t got = pread(n->vfd, buffer, size, offset);
    return leave(got < 0 ? -errno : (int) got);
}

static int fs_write(const char *path, const char *buffer, size_t size, off_t offset, struct fuse_file_info *fi)
{
    enter();
    struct node *n = node_of(path, fi);
    if (n == NULL || n->vfd < 0) {
        return leave(-ENOENT);
    }
    off_t end = offset + (off_t) size;
    off_t grows = end > n->vsize ? end - n->vsize : 0;
    if (capacity >= 0 && used + grows > capacity) {
        if (n_enospc++ < 5) {
            say("# write of %zu bytes to %s refused: ENOSPC (capacity %lld bytes, %lld used)", size,
                    n->name != NULL ? n->name : "(unlinked)", capacity, used);
        }
        return leave(-ENOSPC);
    }
    size_t done = 0;
    while (done < size) {
        ssize_t put = pwrite(n->vfd, buffer + done, size - done, offset + (off_t) done);
        if (put < 0) {
            return leave(-errno);
        }
        done += (size_t) put;
    }
    mark_dirty(n, offset, end);
    used += grows;
    if (end > n->vsize) {
        n->vsize = end;
    }
    n_writes++;
    bytes_written += size;
    return leave((int) size);
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    enter();
    struct node *n = node_of(path, fi);
    if (n == NULL || n->vfd < 0) {
        return leave(-ENOENT);
    }
    return leave(truncate_node(n, size));
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    enter();
    struct node *n = node_of(path, fi);
    if (n == NULL || n->vfd < 0) {
        return leave(-ENOENT);
    }
    if (datasync) {
        n_fdatasync++;
    }
    else {
        n_fsync++;
    }
    if (fail_fsyncs > 0) {
        fail_fsyncs--;
        n_failed_fsync++;
        say("# %s of %s failed with EIO, as asked; its %zu un-synced pages are marked clean without reaching "
                "the disk", datasync ? "fdatasync" : "fsync", n->name != NULL ? n->name : "(unlinked)", n->ndirty);
        clear_dirty(n);
        return leave(-EIO);
    }
    return leave(persist_pages(n, n->ndirty));
}

static int fs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void) path;
    (void) datasync;
    (void) fi;
    enter();
    n_fsyncdir++;
    return leave(sync_folder());
}

static int fs_unlink(const char *path)
{
    enter();
    struct node *n = find(path);
    if (n == NULL) {
        return leave(-ENOENT);
    }
    free(n->name);
    n->name = NULL;
    collect(n);
    return leave(0);
}

static int fs_rename(const char *from, const char *to, unsigned int flags)
{
    enter();
    if (flags & RENAME_EXCHANGE) {
        return leave(-EINVAL);
    }
    if (to == NULL || to[0] != '/' || strchr(to + 1, '/') != NULL) {
        return leave(-EPERM);
    }
    struct node *source = find(from);
    if (source == NULL) {
        return leave(-ENOENT);
    }
    struct node *target = find(to);
    if (target != NULL && (flags & RENAME_NOREPLACE)) {
        return leave(-EEXIST);
    }
    if (target == source) {
        return leave(0);
    }
    if (target != NULL) {
        free(target->name);
        target->name = NULL;
        collect(target);
    }
    free(source->name);
    source->name = strdup(to + 1);
    return leave(0);
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    enter();
    struct node *n = node_of(path, fi);
    if (n == NULL || n->vfd < 0) {
        return leave(-ENOENT);
    }
    return leave(fchmod(n->vfd, mode & 07777) != 0 ? -errno : 0);
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    enter();
    struct node *n = node_of(path, fi);
    if (n == NULL || n->vfd < 0) {
        return leave(-ENOENT);
    }
    return leave(fchown(n->vfd, uid, gid) != 0 ? -errno : 0);
}

static int fs_utimens(const char *path, const struct timespec times[2], struct fuse_file_info *fi)
{
    enter();
    struct node *n = node_of(path, fi);
    if (n == NULL || n->vfd < 0) {
        return leave(-ENOENT);
    }
    return leave(futimens(n->vfd, times) != 0 ? -errno : 0);
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
    (void) path;
    enter();
    struct node *n = (struct node *) (uintptr_t) fi->fh;
    n->opens--;
    collect(n);
    return leave(0);
}

static int fs_statfs(const char *path, struct statvfs *st)
{
    (void) path;
    enter();
    if (fstatvfs(scratch_fd, st) != 0) {
        return leave(-errno);
    }
    if (capacity >= 0) {
        st->f_bsize = PAGE;
        st->f_frsize = PAGE;
        st->f_blocks = (fsblkcnt_t) (capacity / PAGE);
        long long left = capacity > used ? capacity - used : 0;
        st->f_bfree = (fsblkcnt_t) (left / PAGE);
        st->f_bavail = st->f_bfree;
    }
    return leave(0);
}

static int fs_flat_only(const char *path, mode_t mode)
{
    (void) path;
    (void) mode;
    return -EPERM;
}

static int fs_no_rmdir(const char *path)
{
    (void) path;
    return -EPERM;
}

static int fs_no_link(const char *from, const char *to)
{
    (void) from;
    (void) to;
    return -EPERM;
}

/* ---- commands ---- */

static void power_cut(int torn, unsigned int seed)
{
    /* Never unlocked: from here on every operation waits, as on a machine without power. */
    pthread_mutex_lock(&lock);
    frozen = 1;
    srand(seed);
    unsigned long long dropped = 0, persisted = 0;
    int files = 0, names = 0;
    for (struct node *n = nodes; n != NULL; n = n->next) {
        if ((n->name == NULL) != (n->dname == NULL) || (n->name != NULL && strcmp(n->name, n->dname) != 0)) {
            names++;
        }
        if (n->vfd < 0 || n->ndirty == 0) {
            continue;
        }
        files++;
        size_t pages = 0;
        if (torn && n->dname != NULL) {
            pages = (size_t) (rand() % (int) (n->ndirty + 1));
            unsigned long long before = bytes_synced;
            int err = persist_pages(n, pages);
            if (err != 0) {
                say("# torn cut: persisting pages of %s failed: %s", n->dname, strerror(-err));
            }
            persisted += bytes_synced - before;
        }
        dropped += (unsigned long long) n->ndirty * PAGE;
    }
    say("= cut: %d files had un-synced data (about %llu bytes dropped%s), %d names not synced were dropped; "
            "torn: %llu bytes of un-synced pages persisted", files, dropped, torn ? " after the tear" : "", names,
            persisted);
}

static void *control(void *unused)
{
    (void) unused;
    char line[256];
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (frozen) {
            say("= error: the power is cut");
            continue;
        }
        if (strcmp(line, "cut") == 0) {
            power_cut(0, 0);
            continue;
        }
        if (strncmp(line, "cut-torn ", 9) == 0) {
            power_cut(1, (unsigned int) strtoul(line + 9, NULL, 10));
            continue;
        }
        pthread_mutex_lock(&lock);
        if (strncmp(line, "fail-fsync ", 11) == 0) {
            fail_fsyncs = atoi(line + 11);
            say("= ok: the next %d fsyncs of files fail with EIO", fail_fsyncs);
        }
        else if (strcmp(line, "capacity none") == 0) {
            capacity = -1;
            say("= ok: no capacity limit, %lld bytes used", used);
        }
        else if (strncmp(line, "capacity ", 9) == 0) {
            capacity = atoll(line + 9);
            say("= ok: capacity %lld bytes, %lld used", capacity, used);
        }
        else if (strcmp(line, "stats") == 0) {
            say("= stats: fsync=%llu fdatasync=%llu fsyncdir=%llu failed-fsync=%llu enospc=%llu writes=%llu "
                    "bytes-written=%llu bytes-synced=%llu used=%lld", n_fsync, n_fdatasync, n_fsyncdir,
                    n_failed_fsync, n_enospc, n_writes, bytes_written, bytes_synced, used);
        }
        else {
            say("= error: unknown command '%s'", line);
        }
        pthread_mutex_unlock(&lock);
    }
    /* Whoever drove us is gone: leave no mount behind. */
    umount2(mount_point, MNT_DETACH);
    _exit(0);
    return NULL;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void) conn;
    cfg->use_ino = 1;
    cfg->hard_remove = 1;
    cfg->nullpath_ok = 1;
    cfg->direct_io = 1;
    cfg->kernel_cache = 0;
    cfg->entry_timeout = 0;
    cfg->attr_timeout = 0;
    cfg->negative_timeout = 0;
    pthread_t thread;
    if (pthread_create(&thread, NULL, control, NULL) != 0) {
        die("starting the control thread");
    }
    pthread_detach(thread);
    say("= ready: %s mounted (disk %s)", mount_point, disk_dir);
    return NULL;
}

static const struct fuse_operations operations = {
    .init = fs_init,
    .getattr = fs_getattr,
    .readdir = fs_readdir,
    .open = fs_open,
    .create = fs_create,
    .read = fs_read,
    .write = fs_write,
    .truncate = fs_truncate,
    .fsync = fs_fsync,
    .fsyncdir = fs_fsyncdir,
    .unlink = fs_unlink,
    .rename = fs_rename,
    .chmod = fs_chmod,
    .chown = fs_chown,
    .utimens = fs_utimens,
    .release = fs_release,
    .statfs = fs_statfs,
    .mkdir = fs_flat_only,
    .rmdir = fs_no_rmdir,
    .symlink = fs_no_link,
    .link = fs_no_link,
};

/* The visible state starts as the disk's: one inode per file, nothing pending. */
static void load_disk(void)
{
    DIR *scratch = fdopendir(dup(scratch_fd));
    if (scratch == NULL) {
        die("reading the scratch folder");
    }
    for (struct dirent *entry; (entry = readdir(scratch)) != NULL;) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            unlinkat(scratch_fd, entry->d_name, 0);
        }
    }
    closedir(scratch);
    DIR *disk = fdopendir(dup(disk_fd));
    if (disk == NULL) {
        die("reading the disk folder");
    }
    for (struct dirent *entry; (entry = readdir(disk)) != NULL;) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        struct stat st;
        if (fstatat(disk_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            die("reading the disk folder");
        }
        if (!S_ISREG(st.st_mode)) {
            fprintf(stderr, "powerloss-fs: %s/%s is not a regular file; this file system is flat\n", disk_dir,
                    entry->d_name);
            exit(2);
        }
        struct node *n = new_node(entry->d_name);
        n->dname = strdup(entry->d_name);
        n->dfd = openat(disk_fd, entry->d_name, O_RDWR | O_CLOEXEC);
        char name[32];
        scratch_name(name, sizeof name, 'v', n->id);
        n->vfd = openat(scratch_fd, name, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
        if (n->dfd < 0 || n->vfd < 0 || fchmod(n->vfd, st.st_mode & 07777) != 0) {
            die("copying the disk");
        }
        for (off_t at = 0; at < st.st_size;) {
            ssize_t copied = copy_file_range(n->dfd, &at, n->vfd, NULL, (size_t) (st.st_size - at), 0);
            if (copied <= 0) {
                die("copying the disk");
            }
        }
        n->vsize = st.st_size;
        used += st.st_size;
    }
    closedir(disk);
}

int main(int argc, char *argv[])
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s DISK SCRATCH MOUNTPOINT\n", argv[0]);
        return 2;
    }
    if (realpath(argv[1], disk_dir) == NULL || realpath(argv[2], scratch_dir) == NULL
            || realpath(argv[3], mount_point) == NULL) {
        die("resolving the folders");
    }
    disk_fd = open(disk_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    scratch_fd = open(scratch_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (disk_fd < 0 || scratch_fd < 0) {
        die("opening the folders");
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    load_disk();
    char *fuse_argv[] = { argv[0], "-f", "-o",
        "fsname=keystonelight-powerloss,subtype=keystonelight-powerloss,default_permissions", mount_point, NULL };
    return fuse_main(5, fuse_argv, &operations, NULL);
}
