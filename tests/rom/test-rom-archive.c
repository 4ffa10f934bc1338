/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for UbRomArchive: archives are built here with libarchive's
 * writer, unpacked into a temporary cache, and the outcome (bytes, digests,
 * error codes and messages, what is left on disk) is checked. The no-space
 * cases also run against real tiny tmpfs mounts in a private mount
 * namespace (skipped when the system does not allow that).
 */
#define _GNU_SOURCE  /* unshare, CLONE_NEWNS */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "ub-progress.h"
#include "ub-rom.h"
#include "ub-rom-archive-private.h"
#include "ub-rom-error.h"

#include "ub-test-utils.h"

#define MiB (1024 * 1024)
#define TOP "piano_images_OS3.0.9.0.WPYCNXM_16.0"
#define MSG_CHECKSUM "The file is damaged or incomplete (its checksum does not match its name). Download it again."
#define MSG_ARCHIVE "The file could not be unpacked: it is damaged or incomplete. Download it again. ("
#define MSG_RECOVERY_ROM "This is a recovery ROM (installed through Xiaomi’s recovery), not a fastboot ROM. " \
  "For a phone whose bootloader is unlocked, pick the fastboot ROM (a .tgz file). For a locked phone, start " \
  "its recovery in “Connect with MIAssistant” mode: Unbrick installs the recovery ROM there."
#define MSG_UNSAFE "The archive was refused because it is unsafe: the entry “"

static char *tmp_dir;
static guint case_counter;

/* ------------------------------------------------------------------------ */
/* Helpers */

/* A fresh folder for one case; *cache is a cache folder below it (not created). */
static char *
new_case_dir (char **cache)
{
  char *dir = g_strdup_printf ("%s/case-%d-%u", tmp_dir, getpid (), case_counter++);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  if (cache)
    *cache = g_build_filename (dir, "cache", NULL);
  return dir;
}

/* Random data with long zero runs, as in a raw image. */
static GBytes *
image_bytes (gsize   len,
             guint32 seed)
{
  g_autoptr(GBytes) rnd = ub_test_random_bytes (len, seed);
  guint8 *data = g_memdup2 (g_bytes_get_data (rnd, NULL), len);

  for (gsize off = 0; off < len; off += 256 * 1024)
    memset (data + off, 0, MIN (len - off, 96 * 1024));
  return g_bytes_new_take (data, len);
}

static char *
md5_of_bytes (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_MD5, bytes);
}

static void
assert_dir_empty (const char *path)
{
  g_autoptr(GPtrArray) names = ub_test_list_dir (path);

  if (names->len)
    g_error ("%s is not empty: it holds %s", path, (char *) names->pdata[0]);
}

static void
assert_missing (const char *path)
{
  struct stat st;

  if (lstat (path, &st) == 0)
    g_error ("%s exists", path);
}

/* ------------------------------------------------------------------------ */
/* Building archives */

typedef struct {
  char    type;   /* f file, d dir, l symlink, h hardlink, c char device, p fifo */
  char   *path;
  GBytes *data;
  char   *link;
  guint   mode;
} TEntry;

static void
tentry_clear (gpointer p)
{
  TEntry *e = p;

  g_free (e->path);
  g_free (e->link);
  g_clear_pointer (&e->data, g_bytes_unref);
}

static GArray *
entries_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (TEntry));

  g_array_set_clear_func (a, tentry_clear);
  return a;
}

static void
add (GArray     *a,
     char        type,
     const char *path,
     GBytes     *data,
     const char *link,
     guint       mode)
{
  TEntry e = { type, g_strdup (path), data ? g_bytes_ref (data) : NULL, g_strdup (link), mode };

  g_array_append_val (a, e);
}

static void
add_file (GArray     *a,
          const char *path,
          GBytes     *data)
{
  add (a, 'f', path, data, NULL, 0644);
}

static void
add_text (GArray     *a,
          const char *path,
          const char *text)
{
  g_autoptr(GBytes) b = g_bytes_new (text, strlen (text));

  add_file (a, path, b);
}

/* kind: "tgz", "tar", "tar.xz" or "zip" */
static void
write_archive (const char *path,
               const char *kind,
               GArray     *entries)
{
  struct archive *a = archive_write_new ();

  if (strcmp (kind, "zip") == 0)
    archive_write_set_format_zip (a);
  else
    {
      archive_write_set_format_pax_restricted (a);
      if (strcmp (kind, "tgz") == 0)
        archive_write_add_filter_gzip (a);
      else if (strcmp (kind, "tar.xz") == 0)
        g_assert_cmpint (archive_write_add_filter_xz (a), ==, ARCHIVE_OK);
    }
  g_assert_cmpint (archive_write_open_filename (a, path), ==, ARCHIVE_OK);
  for (guint i = 0; i < entries->len; i++)
    {
      TEntry *e = &g_array_index (entries, TEntry, i);
      struct archive_entry *ae = archive_entry_new ();
      gsize len = e->data ? g_bytes_get_size (e->data) : 0;

      archive_entry_set_pathname (ae, e->path);
      archive_entry_set_mtime (ae, 1700000000, 0);
      archive_entry_set_perm (ae, e->mode ? e->mode : 0644);
      archive_entry_set_uid (ae, 1234);
      archive_entry_set_gid (ae, 1234);
      switch (e->type)
        {
        case 'f':
          archive_entry_set_filetype (ae, AE_IFREG);
          archive_entry_set_size (ae, (la_int64_t) len);
          break;
        case 'd':
          archive_entry_set_filetype (ae, AE_IFDIR);
          archive_entry_set_perm (ae, e->mode ? e->mode : 0755);
          break;
        case 'l':
          archive_entry_set_filetype (ae, AE_IFLNK);
          archive_entry_set_symlink (ae, e->link);
          break;
        case 'h':
          archive_entry_set_filetype (ae, AE_IFREG);
          archive_entry_set_hardlink (ae, e->link);
          archive_entry_set_size (ae, 0);
          break;
        case 'c':
          archive_entry_set_filetype (ae, AE_IFCHR);
          archive_entry_set_rdev (ae, makedev (1, 3));
          break;
        case 'p':
          archive_entry_set_filetype (ae, AE_IFIFO);
          break;
        default:
          g_assert_not_reached ();
        }
      g_assert_cmpint (archive_write_header (a, ae), >=, ARCHIVE_WARN);
      if (e->type == 'f' && len)
        g_assert_cmpint (archive_write_data (a, g_bytes_get_data (e->data, NULL), len), ==, (la_ssize_t) len);
      archive_entry_free (ae);
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
}

/* A small ROM: path → expected contents of every regular file. */
static GHashTable *
rom_entries (GArray *a)
{
  GHashTable *expect = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  g_autoptr(GBytes) script = g_bytes_new_static ("#!/bin/sh\nfastboot $* getvar product\n", 37);
  g_autoptr(GBytes) misc = g_bytes_new_static ("device=piano\nbuild_number=OS3.0.9.0.WPYCNXM\n", 44);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) boot = ub_test_random_bytes (3 * MiB + 17, 1);
  g_autoptr(GBytes) super = image_bytes (9 * MiB + 4096, 2);

  add (a, 'd', "./", NULL, NULL, 0);
  add (a, 'd', TOP "/", NULL, NULL, 0);
  add (a, 'f', TOP "/flash_all.sh", script, NULL, 04755);
  add_file (a, TOP "/misc.txt", misc);
  add (a, 'd', "./" TOP "/images", NULL, NULL, 0700);
  add_file (a, TOP "/images/boot.img", boot);
  add_file (a, TOP "//images/./super.img", super);
  add_file (a, TOP "/images/empty.img", empty);
  add (a, 'l', TOP "/images/link.img", NULL, "boot.img", 0);
  add (a, 'h', TOP "/images/hard.img", NULL, TOP "/images/boot.img", 0);

  g_hash_table_insert (expect, g_strdup (TOP "/flash_all.sh"), g_bytes_ref (script));
  g_hash_table_insert (expect, g_strdup (TOP "/misc.txt"), g_bytes_ref (misc));
  g_hash_table_insert (expect, g_strdup (TOP "/images/boot.img"), g_bytes_ref (boot));
  g_hash_table_insert (expect, g_strdup (TOP "/images/super.img"), g_bytes_ref (super));
  g_hash_table_insert (expect, g_strdup (TOP "/images/empty.img"), g_bytes_ref (empty));
  g_hash_table_insert (expect, g_strdup (TOP "/images/hard.img"), g_bytes_ref (boot));
  return expect;
}

/* Writes a ROM archive into @dir; the name carries the right MD5 prefix when
 * @md5_name, none otherwise. */
static char *
make_rom (const char  *dir,
          const char  *kind,
          gboolean     md5_name,
          GHashTable **expect)
{
  g_autoptr(GArray) a = entries_new ();
  g_autofree char *tmp = g_build_filename (dir, "rom.tmp", NULL);
  g_autofree char *md5 = NULL;
  g_autoptr(GHashTable) ex = rom_entries (a);
  char *path;

  write_archive (tmp, kind, a);
  md5 = ub_test_md5_of_file (tmp);
  if (md5_name)
    path = g_strdup_printf ("%s/" TOP "_%.10s.%s", dir, md5, kind);
  else
    path = g_strdup_printf ("%s/" TOP ".%s", dir, kind);
  g_assert_cmpint (g_rename (tmp, path), ==, 0);
  if (expect)
    *expect = g_steal_pointer (&ex);
  return path;
}

static void
assert_unpack_matches (const char *dir,
                       GHashTable *expect)
{
  g_autoptr(GHashTable) digests = ub_rom_archive_load_digests (dir);
  GHashTableIter iter;
  gpointer key, value;

  g_assert_nonnull (digests);
  g_assert_cmpuint (g_hash_table_size (digests), ==, g_hash_table_size (expect));
  g_hash_table_iter_init (&iter, expect);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *path = g_build_filename (dir, key, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *want = md5_of_bytes (value);
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_assert_cmpmem (contents, len, g_bytes_get_data (value, NULL), g_bytes_get_size (value));
      g_assert_cmpstr (g_hash_table_lookup (digests, key), ==, want);
    }
}

static char *
unpack (const char  *archive_path,
        const char  *cache,
        GError     **error)
{
  g_autoptr(UbRomArchive) archive = ub_rom_archive_new (archive_path, cache);

  return ub_rom_archive_unpack (archive, NULL, NULL, NULL, error);
}

/* ------------------------------------------------------------------------ */
/* Names */

static void
test_names (void)
{
  static const struct { const char *name; gboolean archive; const char *md5; } cases[] = {
    { "/x/piano_images_OS3.0.9.0.WPYCNXM_16.0_0a1b2c3d4e.tgz", TRUE, "0a1b2c3d4e" },
    { "nuwa_global_images_V14.0.9.0.TMBMIXM_20230414.0000.00_13.0_global_32953d0dc0.tgz", TRUE, "32953d0dc0" },
    { "fog_eea_global_images_V14.0.10.0.TGEEUXM_20250224.0000.00_13.0_eea_F07E576E57.TGZ", TRUE, "f07e576e57" },
    { "nuwa_images_32953d0dc0 (1).tgz", TRUE, "32953d0dc0" },
    { "nuwa_images_32953d0dc0.tar.gz", TRUE, "32953d0dc0" },
    { "nuwa_images_32953d0dc0.tar", TRUE, "32953d0dc0" },
    { "nuwa_images_32953d0dc0.zip", TRUE, "32953d0dc0" },
    { "topaz_eea_global_images_V14.0.12.0.TMGEUXM_13.0.tgz", TRUE, NULL },
    { "nuwa_images_32953d0dc.tgz", TRUE, NULL },     /* 9 digits */
    { "nuwa_images_32953d0dcg.tgz", TRUE, NULL },    /* not hex */
    { "nuwa_images32953d0dc0a.tgz", TRUE, NULL },    /* no separator */
    { "_0a1b2c3d4e.tgz", TRUE, "0a1b2c3d4e" },
    { "0a1b2c3d4e.tgz", TRUE, NULL },
    { "boot.img", FALSE, NULL },
    { "folder", FALSE, NULL },
    { "rom.gz", FALSE, NULL },
    { ".tgz", FALSE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(UbRomArchive) a = ub_rom_archive_new (cases[i].name, "/nonexistent");
      g_autofree char *md5 = ub_rom_archive_dup_name_md5_prefix (a);

      g_test_message ("%s", cases[i].name);
      g_assert_cmpint (ub_rom_archive_is_archive_name (cases[i].name), ==, cases[i].archive);
      g_assert_cmpstr (md5, ==, cases[i].md5);
    }
  g_assert_true (ub_rom_archive_is_archive_name ("a.tar.xz") == (archive_liblzma_version () != NULL));
}

static void
test_default_cache (void)
{
  g_autoptr(UbRomArchive) a = ub_rom_archive_new ("rel/x.tgz", NULL);
  g_autofree char *want = g_build_filename (g_get_user_cache_dir (), "unbrick", "roms", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *want_path = g_build_filename (cwd, "rel", "x.tgz", NULL);

  g_assert_cmpstr (ub_rom_archive_get_cache_dir (a), ==, want);
  g_assert_cmpstr (ub_rom_archive_get_path (a), ==, want_path);
}

/* ------------------------------------------------------------------------ */
/* Good archives */

typedef struct {
  guint   calls;
  guint64 first;
  guint64 last;
  guint64 total;
  gboolean monotonic;
  gboolean saw_entry;
  GThread *thread;
  gboolean wrong_thread;
} Progress;

static void
on_progress (guint64     done,
             guint64     total,
             const char *entry,
             gpointer    user_data)
{
  Progress *p = user_data;

  if (p->calls == 0)
    {
      p->first = done;
      p->monotonic = TRUE;
    }
  else if (done < p->last)
    p->monotonic = FALSE;
  if (entry)
    p->saw_entry = TRUE;
  if (p->thread && g_thread_self () != p->thread)
    p->wrong_thread = TRUE;
  p->calls++;
  p->last = done;
  p->total = total;
}

static void
check_good (const char *kind)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autoptr(GHashTable) expect = NULL;
  g_autofree char *path = make_rom (dir, kind, FALSE, &expect);
  g_autoptr(UbRomArchive) archive = ub_rom_archive_new (path, cache);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *want_md5 = ub_test_md5_of_file (path);
  g_autofree char *key = NULL;
  g_autofree char *link = NULL;
  g_autofree char *link_target = NULL;
  g_autoptr(GPtrArray) names = NULL;
  Progress p = { 0 };
  struct stat st, ast;
  char buf[64];
  ssize_t n;

  g_assert_cmpint (stat (path, &ast), ==, 0);
  out = ub_rom_archive_unpack (archive, on_progress, &p, NULL, &error);
  g_assert_no_error (error);
  key = g_strdup_printf ("%s/" TOP "-%" G_GUINT64_FORMAT, cache, (guint64) ast.st_size);
  g_assert_cmpstr (out, ==, key);
  assert_unpack_matches (out, expect);

  md5 = ub_rom_archive_dup_archive_md5 (out);
  g_assert_cmpstr (md5, ==, want_md5);

  /* the in-archive link is kept, permissions are plain */
  link = g_build_filename (out, TOP, "images", "link.img", NULL);
  n = readlink (link, buf, sizeof buf - 1);
  g_assert_cmpint (n, ==, 8);
  buf[n] = '\0';
  g_assert_cmpstr (buf, ==, "boot.img");
  link_target = g_build_filename (out, TOP, "flash_all.sh", NULL);
  g_assert_cmpint (stat (link_target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0755);
  g_clear_pointer (&link_target, g_free);
  link_target = g_build_filename (out, TOP, "images", NULL);
  g_assert_cmpint (stat (link_target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0755);
  g_clear_pointer (&link_target, g_free);
  link_target = g_build_filename (out, TOP, "misc.txt", NULL);
  g_assert_cmpint (stat (link_target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);
  g_assert_cmpint (st.st_mtime, ==, 1700000000);

  /* progress: from 0 to the archive size, in order */
  g_assert_cmpuint (p.calls, >=, 2);
  g_assert_cmpuint (p.first, ==, 0);
  g_assert_cmpuint (p.last, ==, (guint64) ast.st_size);
  g_assert_cmpuint (p.total, ==, (guint64) ast.st_size);
  g_assert_true (p.monotonic);

  /* only the unpack is left in the cache; the archive is untouched */
  names = ub_test_list_dir (cache);
  g_assert_cmpuint (names->len, ==, 1);
  g_clear_pointer (&names, g_ptr_array_unref);
  names = ub_test_list_dir (dir);
  g_assert_cmpuint (names->len, ==, 2);  /* the archive and the cache */
  g_clear_pointer (&md5, g_free);
  md5 = ub_test_md5_of_file (path);
  g_assert_cmpstr (md5, ==, want_md5);
}

static void
test_good_tgz (void)
{
  check_good ("tgz");
}

static void
test_good_tar (void)
{
  check_good ("tar");
}

static void
test_good_xz (void)
{
  if (archive_liblzma_version () == NULL)
    {
      g_test_skip ("libarchive without xz");
      return;
    }
  check_good ("tar.xz");
}

static void
test_good_zip (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = g_build_filename (dir, "rom.zip", NULL);
  g_autoptr(GArray) a = entries_new ();
  g_autoptr(GBytes) boot = image_bytes (2 * MiB, 5);
  g_autoptr(GHashTable) expect = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  add_file (a, TOP "/images/boot.img", boot);
  add_text (a, TOP "/misc.txt", "device=piano\n");
  g_hash_table_insert (expect, g_strdup (TOP "/images/boot.img"), g_bytes_ref (boot));
  g_hash_table_insert (expect, g_strdup (TOP "/misc.txt"), g_bytes_new_static ("device=piano\n", 13));
  write_archive (path, "zip", a);
  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  assert_unpack_matches (out, expect);
}

/* A recovery ROM where a fastboot ROM is expected: by its official name before
 * anything is unpacked; renamed, by its OTA files once unpacked. */
static void
test_recovery_rom (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *named = g_build_filename (dir, "miui_ALIOTHGlobal_V14.0.9.0.TKHMIXM_f64855c7ad_13.0.zip", NULL);
  g_autofree char *renamed = g_build_filename (dir, "update.zip", NULL);
  g_autoptr(GArray) a = entries_new ();
  g_autoptr(GBytes) payload = image_bytes (MiB, 8);
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRom) rom = NULL;

  g_assert_true (g_file_set_contents (named, "PK\003\004 not unpacked", -1, NULL));
  rom = ub_rom_open (named, cache, NULL, NULL, &error);
  g_assert_null (rom);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM);
  g_assert_cmpstr (error->message, ==, MSG_RECOVERY_ROM);
  names = ub_test_list_dir (cache);
  g_assert_cmpuint (names->len, ==, 0);
  g_clear_error (&error);

  add_text (a, "META-INF/com/android/metadata", "ota-type=AB\n");
  add_file (a, "payload.bin", payload);
  write_archive (renamed, "zip", a);
  rom = ub_rom_open (renamed, cache, NULL, NULL, &error);
  g_assert_null (rom);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM);
  g_assert_cmpstr (error->message, ==, MSG_RECOVERY_ROM);
}

/* Bytes after the end of the compressed stream count in the archive MD5. */
static void
test_trailing_bytes (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autoptr(GHashTable) expect = NULL;
  g_autofree char *path = make_rom (dir, "tgz", FALSE, &expect);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *want = NULL;
  FILE *f = fopen (path, "ab");

  for (int i = 0; i < 3 * MiB + 5; i++)
    fputc (0, f);
  fclose (f);
  want = ub_test_md5_of_file (path);
  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  assert_unpack_matches (out, expect);
  md5 = ub_rom_archive_dup_archive_md5 (out);
  g_assert_cmpstr (md5, ==, want);
}

static void
test_name_md5 (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autoptr(GHashTable) expect = NULL;
  g_autofree char *path = make_rom (dir, "tgz", TRUE, &expect);
  g_autofree char *md5 = ub_test_md5_of_file (path);
  g_autofree char *wrong = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  /* the same bytes under a name with other digits: refused, nothing kept */
  wrong = g_strdup_printf ("%s/" TOP "_%s.tgz", dir, md5[0] == '0' ? "1234567890" : "0123456789");
  g_assert_cmpint (g_rename (path, wrong), ==, 0);
  out = unpack (wrong, cache, &error);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_CHECKSUM);
  g_assert_cmpstr (error->message, ==, MSG_CHECKSUM);
  g_assert_null (out);
  g_clear_error (&error);
  assert_dir_empty (cache);

  /* under its own name */
  g_assert_cmpint (g_rename (wrong, path), ==, 0);
  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  assert_unpack_matches (out, expect);
}

/* ------------------------------------------------------------------------ */
/* Reuse */

static void
set_mtime (const char     *path,
           struct timespec mtime)
{
  struct timespec times[2] = { mtime, mtime };

  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

static void
write_same_size_garbage (const char *path)
{
  struct stat st;
  g_autoptr(GBytes) garbage = NULL;

  g_assert_cmpint (stat (path, &st), ==, 0);
  garbage = ub_test_random_bytes ((gsize) st.st_size, 99);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (garbage, NULL), st.st_size, NULL));
  set_mtime (path, st.st_mtim);
}

static void
touch_file (const char *path)
{
  g_assert_true (g_file_set_contents (path, "x", 1, NULL));
}

static void
test_reuse (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autoptr(GHashTable) expect = NULL;
  g_autofree char *path = make_rom (dir, "tgz", TRUE, &expect);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *out3 = NULL;
  g_autofree char *sentinel = NULL;
  g_autofree char *good = NULL;
  gsize good_len;
  Progress p = { 0 };
  struct stat st;

  g_assert_true (g_file_get_contents (path, &good, &good_len, NULL));
  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  sentinel = g_build_filename (out, "sentinel", NULL);
  touch_file (sentinel);

  /* same name, size and mtime: reused without reading the archive (now garbage) */
  write_same_size_garbage (path);
  {
    g_autoptr(UbRomArchive) archive = ub_rom_archive_new (path, cache);

    out2 = ub_rom_archive_unpack (archive, on_progress, &p, NULL, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpstr (out2, ==, out);
  g_assert_true (g_file_test (sentinel, G_FILE_TEST_EXISTS));
  assert_unpack_matches (out2, expect);
  g_assert_cmpuint (p.calls, ==, 1);
  g_assert_cmpuint (p.last, ==, good_len);
  g_clear_pointer (&out2, g_free);

  /* another mtime: validated again (and the garbage is refused) */
  g_assert_cmpint (stat (path, &st), ==, 0);
  st.st_mtim.tv_sec += 10;
  set_mtime (path, st.st_mtim);
  out2 = unpack (path, cache, &error);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE);
  g_assert_true (g_str_has_prefix (error->message, MSG_ARCHIVE));
  g_assert_null (out2);
  g_clear_error (&error);
  assert_dir_empty (cache);

  /* the good bytes with yet another mtime: unpacked afresh */
  g_assert_true (g_file_set_contents (path, good, (gssize) good_len, NULL));
  out3 = unpack (path, cache, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out3, ==, out);
  g_assert_false (g_file_test (sentinel, G_FILE_TEST_EXISTS));
  assert_unpack_matches (out3, expect);
}

/* Copies the marker of a good unpack to @dest_dir (as if complete). */
static void
copy_marker (const char *from_dir,
             const char *dest_dir)
{
  g_autofree char *from = g_build_filename (from_dir, UB_ROM_ARCHIVE_MARKER, NULL);
  g_autofree char *to = g_build_filename (dest_dir, UB_ROM_ARCHIVE_MARKER, NULL);
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (to, contents, (gssize) len, NULL));
}

/* A leftover .partial (even with a complete-looking marker), a folder
 * without marker and one with complete=false are never reused. */
static void
test_no_reuse_of_leftovers (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autoptr(GHashTable) expect = NULL;
  g_autofree char *path = make_rom (dir, "tgz", FALSE, &expect);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *saved = g_build_filename (dir, "saved", NULL);
  g_autofree char *partial = NULL;
  g_autofree char *sentinel = NULL;
  g_autofree char *marker = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (saved, 0755), ==, 0);
  copy_marker (out, saved);
  partial = g_strconcat (out, ".partial", NULL);

  /* 1. a stale partial with a marker, and no final folder */
  g_assert_cmpint (g_rename (out, partial), ==, 0);
  sentinel = g_build_filename (partial, "sentinel", NULL);
  touch_file (sentinel);
  g_free (out);
  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  assert_missing (partial);
  g_clear_pointer (&sentinel, g_free);
  sentinel = g_build_filename (out, "sentinel", NULL);
  assert_missing (sentinel);
  assert_unpack_matches (out, expect);

  /* 2. the final folder without a marker */
  marker = g_build_filename (out, UB_ROM_ARCHIVE_MARKER, NULL);
  g_assert_cmpint (g_unlink (marker), ==, 0);
  touch_file (sentinel);
  g_free (out);
  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  assert_missing (sentinel);
  assert_unpack_matches (out, expect);

  /* 3. a marker that does not say complete=true */
  g_assert_true (g_key_file_load_from_file (kf, marker, G_KEY_FILE_NONE, NULL));
  g_key_file_set_boolean (kf, "unpack", "complete", FALSE);
  g_assert_true (g_key_file_save_to_file (kf, marker, NULL));
  g_assert_null (ub_rom_archive_load_digests (out));
  g_assert_null (ub_rom_archive_dup_archive_md5 (out));
  touch_file (sentinel);
  g_free (out);
  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  assert_missing (sentinel);
  assert_unpack_matches (out, expect);
}

/* After a reboot the unpack is re-hashed before it is trusted. */
static void
test_reuse_after_reboot (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autoptr(GHashTable) expect = NULL;
  g_autofree char *path = make_rom (dir, "tgz", FALSE, &expect);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *sentinel = NULL;
  g_autofree char *boot = NULL;
  g_autofree char *boot_id = NULL;
  g_autofree char *now_id = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  FILE *f;

  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  marker = g_build_filename (out, UB_ROM_ARCHIVE_MARKER, NULL);
  sentinel = g_build_filename (out, "sentinel", NULL);
  touch_file (sentinel);
  g_assert_true (g_file_get_contents ("/proc/sys/kernel/random/boot_id", &now_id, NULL, NULL));
  g_strstrip (now_id);

  /* another boot, files intact: reused, marker updated */
  g_assert_true (g_key_file_load_from_file (kf, marker, G_KEY_FILE_NONE, NULL));
  g_key_file_set_string (kf, "unpack", "boot-id", "another-boot");
  g_assert_true (g_key_file_save_to_file (kf, marker, NULL));
  out2 = unpack (path, cache, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out2, ==, out);
  g_assert_true (g_file_test (sentinel, G_FILE_TEST_EXISTS));
  g_assert_true (g_key_file_load_from_file (kf, marker, G_KEY_FILE_NONE, NULL));
  boot_id = g_key_file_get_string (kf, "unpack", "boot-id", NULL);
  g_assert_cmpstr (boot_id, ==, now_id);
  g_clear_pointer (&out2, g_free);

  /* another boot and one byte of boot.img lost: unpacked again */
  g_key_file_set_string (kf, "unpack", "boot-id", "another-boot");
  g_assert_true (g_key_file_save_to_file (kf, marker, NULL));
  boot = g_build_filename (out, TOP, "images", "boot.img", NULL);
  f = fopen (boot, "r+b");
  g_assert_nonnull (f);
  fseek (f, 12345, SEEK_SET);
  fputc (fgetc (f) ^ 0x40, f);
  fclose (f);
  out2 = unpack (path, cache, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out2, ==, out);
  assert_missing (sentinel);
  assert_unpack_matches (out2, expect);
}

/* ------------------------------------------------------------------------ */
/* Unsafe archives */

typedef struct {
  const char *name;
  const char *shown;   /* the entry name as the message shows it */
  void      (*build) (GArray *a, const char *dir);
} UnsafeCase;

static void
lead (GArray *a)
{
  /* something written before the bad entry, which must vanish too */
  g_autoptr(GBytes) b = ub_test_random_bytes (2 * MiB, 3);

  add (a, 'd', TOP, NULL, NULL, 0);
  add_file (a, TOP "/images/first.img", b);
}

static void
build_dotdot (GArray *a, const char *dir)
{
  lead (a);
  add_text (a, "../evil", "evil");
}

static void
build_dotdot_inner (GArray *a, const char *dir)
{
  lead (a);
  add_text (a, TOP "/../../evil", "evil");
}

static void
build_absolute (GArray *a, const char *dir)
{
  g_autofree char *p = g_build_filename (dir, "evil", NULL);

  lead (a);
  add_text (a, p, "evil");
}

static void
build_symlink_etc (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'l', TOP "/etc", NULL, "/etc", 0);
  add_text (a, TOP "/etc/evil", "evil");
}

static void
build_symlink_up (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'l', "a", NULL, "../../x", 0);
}

static void
build_symlink_up_inner (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'l', TOP "/images/a", NULL, "../../../evil", 0);
}

static void
build_symlink_chain (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'l', TOP "/d/b", NULL, "..", 0);          /* points to TOP: fine alone */
  add (a, 'l', TOP "/a", NULL, "d/b/../..", 0);     /* lexically TOP/.., really outside */
}

static void
build_symlink_later (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'l', "a", NULL, "x/..", 0);   /* lexically the top, fine while x is a folder */
  add (a, 'l', "x", NULL, ".", 0);      /* ... but x/.. would then leave it */
}

static void
build_through_link (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'l', TOP "/l", NULL, "images", 0);
  add_text (a, TOP "/l/evil", "evil");
}

static void
build_hardlink_outside (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'h', TOP "/h", NULL, "../outside", 0);
}

static void
build_hardlink_absolute (GArray *a, const char *dir)
{
  g_autofree char *p = g_build_filename (dir, "outside", NULL);

  lead (a);
  add (a, 'h', TOP "/h", NULL, p, 0);
}

static void
build_hardlink_forward (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'h', TOP "/h", NULL, TOP "/later", 0);
  add_text (a, TOP "/later", "later");
}

static void
build_device (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'c', TOP "/null", NULL, NULL, 0);
}

static void
build_fifo (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'p', TOP "/fifo", NULL, NULL, 0);
}

static void
build_newline (GArray *a, const char *dir)
{
  lead (a);
  add_text (a, TOP "/a\nb", "x");
}

static void
build_control (GArray *a, const char *dir)
{
  lead (a);
  add_text (a, TOP "/a\x01" "b", "x");
}

static void
build_reserved (GArray *a, const char *dir)
{
  lead (a);
  add_text (a, "./" UB_ROM_ARCHIVE_MARKER, "[unpack]\ncomplete=true\n");
}

static void
build_replace_by_link (GArray *a, const char *dir)
{
  lead (a);
  add (a, 'l', TOP "/images/first.img", NULL, "../misc.txt", 0);
}

static const UnsafeCase unsafe_cases[] = {
  { "dotdot", "../evil", build_dotdot },
  { "dotdot-inner", TOP "/../../evil", build_dotdot_inner },
  { "absolute", NULL, build_absolute },
  { "symlink-etc", TOP "/etc", build_symlink_etc },
  { "symlink-up", "a", build_symlink_up },
  { "symlink-up-inner", TOP "/images/a", build_symlink_up_inner },
  { "symlink-chain", TOP "/a", build_symlink_chain },
  { "symlink-later", "x", build_symlink_later },
  { "through-link", TOP "/l/evil", build_through_link },
  { "hardlink-outside", TOP "/h", build_hardlink_outside },
  { "hardlink-absolute", TOP "/h", build_hardlink_absolute },
  { "hardlink-forward", TOP "/h", build_hardlink_forward },
  { "device", TOP "/null", build_device },
  { "fifo", TOP "/fifo", build_fifo },
  { "newline", TOP "/a?b", build_newline },
  { "control", TOP "/a?b", build_control },
  { "reserved", "./" UB_ROM_ARCHIVE_MARKER, build_reserved },
  { "replace-by-link", TOP "/images/first.img", build_replace_by_link },
};

static void
test_unsafe (gconstpointer data)
{
  const UnsafeCase *c = data;
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = g_build_filename (dir, "evil.tgz", NULL);
  g_autofree char *outside = g_build_filename (dir, "outside", NULL);
  g_autofree char *evil = g_build_filename (dir, "evil", NULL);
  g_autofree char *x = g_build_filename (dir, "x", NULL);
  g_autofree char *prefix = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GArray) a = entries_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;

  touch_file (outside);
  c->build (a, dir);
  write_archive (path, "tgz", a);

  out = unpack (path, cache, &error);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSAFE_PATH);
  g_assert_null (out);
  prefix = g_strdup_printf (MSG_UNSAFE "%s”", c->shown ? c->shown : evil);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("unexpected message: %s", error->message);

  /* nothing inside the cache, nothing outside */
  assert_dir_empty (cache);
  assert_missing (evil);
  assert_missing (x);
  names = ub_test_list_dir (dir);
  g_assert_cmpuint (names->len, ==, 3);  /* evil.tgz, outside, cache */
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (outside, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "x");
  }
}

/* ------------------------------------------------------------------------ */
/* Damaged archives */

static void
check_damaged (const char *path,
               const char *cache)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = unpack (path, cache, &error);

  g_assert_null (out);
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE);
  if (!g_str_has_prefix (error->message, MSG_ARCHIVE) || !g_str_has_suffix (error->message, ")"))
    g_error ("unexpected message: %s", error->message);
  g_test_message ("%s", error->message);
  assert_dir_empty (cache);
}

static void
truncate_file (const char *path,
               double      fraction)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (truncate (path, (off_t) (st.st_size * fraction)), ==, 0);
}

static void
test_truncated_tgz (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = make_rom (dir, "tgz", FALSE, NULL);

  truncate_file (path, 0.6);
  check_damaged (path, cache);
}

static void
test_truncated_tar (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = make_rom (dir, "tar", FALSE, NULL);

  truncate_file (path, 0.6);
  check_damaged (path, cache);
}

/* A tar header whose checksum does not match (libarchive: ARCHIVE_RETRY). */
static void
test_damaged_tar_header (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = make_rom (dir, "tar", FALSE, NULL);
  g_autofree char *contents = NULL;
  gsize len, off = 0;
  guint headers = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  /* find the header of boot.img and damage its name */
  for (; off + 512 <= len; off += 512)
    if (memcmp (contents + off + 257, "ustar", 5) == 0 &&
        g_strstr_len (contents + off, 100, "boot.img"))
      {
        contents[off + 3] ^= 0x20;
        headers++;
        break;
      }
  g_assert_cmpuint (headers, ==, 1);
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
  check_damaged (path, cache);
}

static void
test_garbage (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = g_build_filename (dir, "garbage.tgz", NULL);
  g_autoptr(GBytes) garbage = ub_test_random_bytes (3 * MiB, 7);

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (garbage, NULL), 3 * MiB, NULL));
  check_damaged (path, cache);
}

static void
test_bad_gzip (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = make_rom (dir, "tgz", FALSE, NULL);
  g_autofree char *contents = NULL;
  gsize len;

  /* a valid gzip header, then the deflate stream damaged */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  for (gsize i = len / 3; i < len / 3 + 4096; i++)
    contents[i] = (char) (i * 131);
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
  check_damaged (path, cache);
}

/* The gzip trailer holds the CRC-32 and length of the data: both are
 * checked; with an MD5 in the name, that catches it. */
static void
test_gzip_trailer (void)
{
  {
    g_autofree char *cache = NULL;
    g_autofree char *dir = new_case_dir (&cache);
    g_autofree char *good = make_rom (dir, "tgz", TRUE, NULL);
    g_autofree char *contents = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (good, &contents, &len, NULL));
    contents[len - 8] ^= 0x01;
    g_assert_true (g_file_set_contents (good, contents, (gssize) len, NULL));
    out = unpack (good, cache, &error);
    g_assert_null (out);
    g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_CHECKSUM);
    assert_dir_empty (cache);
  }

  for (guint field = 0; field < 2; field++)
    {
      g_autofree char *cache = NULL;
      g_autofree char *dir = new_case_dir (&cache);
      g_autofree char *path = make_rom (dir, "tgz", FALSE, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      contents[len - 8 + field * 4] ^= 0x01;  /* CRC-32, then ISIZE */
      g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
      out = unpack (path, cache, &error);
      g_assert_null (out);
      g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE);
      g_assert_cmpstr (error->message, ==, field == 0 ? MSG_ARCHIVE "incorrect data check)"
                                                      : MSG_ARCHIVE "incorrect length check)");
      assert_dir_empty (cache);
    }
}

static GBytes *
gzip_member (const guint8 *data,
             gsize         len)
{
  z_stream zs = { 0 };
  gsize cap = len + len / 100 + 1024;
  guint8 *out = g_malloc (cap);

  g_assert_cmpint (deflateInit2 (&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
  zs.next_in = (guint8 *) data;
  zs.avail_in = (uInt) len;
  zs.next_out = out;
  zs.avail_out = (uInt) cap;
  g_assert_cmpint (deflate (&zs, Z_FINISH), ==, Z_STREAM_END);
  cap = zs.total_out;
  deflateEnd (&zs);
  return g_bytes_new_take (out, cap);
}

/* A tar compressed as several gzip members one after the other (as pigz or
 * `cat a.gz b.gz` make) is one archive; bytes after the last member that
 * are not a gzip member are ignored (but hashed). */
static void
test_gzip_members (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autoptr(GHashTable) expect = NULL;
  g_autofree char *tar = make_rom (dir, "tar", FALSE, &expect);
  g_autofree char *path = g_build_filename (dir, "members.tgz", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *out = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *want = NULL;
  g_autoptr(GByteArray) gz = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize len, cuts[] = { 0, 1 * MiB + 3, 1 * MiB + 200, 7 * MiB, 0 };

  g_assert_true (g_file_get_contents (tar, &contents, &len, NULL));
  cuts[G_N_ELEMENTS (cuts) - 1] = len;
  for (guint i = 0; i + 1 < G_N_ELEMENTS (cuts); i++)
    {
      g_autoptr(GBytes) m = gzip_member ((guint8 *) contents + cuts[i], cuts[i + 1] - cuts[i]);

      g_byte_array_append (gz, g_bytes_get_data (m, NULL), (guint) g_bytes_get_size (m));
    }
  g_byte_array_append (gz, (const guint8 *) "trailing junk\n", 14);
  g_assert_true (g_file_set_contents (path, (char *) gz->data, gz->len, NULL));
  want = g_compute_checksum_for_data (G_CHECKSUM_MD5, gz->data, gz->len);

  out = unpack (path, cache, &error);
  g_assert_no_error (error);
  assert_unpack_matches (out, expect);
  md5 = ub_rom_archive_dup_archive_md5 (out);
  g_assert_cmpstr (md5, ==, want);
}

static void
test_empty_file (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = g_build_filename (dir, "empty.tgz", NULL);

  touch_file (path);
  g_assert_cmpint (truncate (path, 0), ==, 0);
  check_damaged (path, cache);
}

/* ------------------------------------------------------------------------ */
/* Cancellation */

typedef struct {
  GCancellable *cancellable;
  guint         calls;
  guint64       cancelled_at;
  guint64       total;
} CancelState;

static void
cancel_midway (guint64     done,
               guint64     total,
               const char *entry,
               gpointer    user_data)
{
  CancelState *s = user_data;

  s->calls++;
  s->total = total;
  if (done == 0)
    g_usleep (80 * 1000);  /* so that the next block read reports progress */
  else if (s->cancelled_at == 0 && done < total)
    {
      s->cancelled_at = done;
      g_cancellable_cancel (s->cancellable);
    }
}

static void
test_cancel (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = g_build_filename (dir, "big.tgz", NULL);
  g_autoptr(GArray) a = entries_new ();
  g_autoptr(GBytes) big = ub_test_random_bytes (24 * MiB, 8);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(UbRomArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  CancelState s = { cancellable, 0, 0, 0 };

  add_file (a, TOP "/images/super.img", big);
  write_archive (path, "tgz", a);
  archive = ub_rom_archive_new (path, cache);
  out = ub_rom_archive_unpack (archive, cancel_midway, &s, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (out);
  g_assert_cmpuint (s.cancelled_at, >, 0);
  g_assert_cmpuint (s.cancelled_at, <, s.total);
  assert_dir_empty (cache);

  /* cancelled before it starts */
  g_clear_error (&error);
  out = ub_rom_archive_unpack (archive, NULL, NULL, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (out);
  assert_dir_empty (cache);
}

/* ------------------------------------------------------------------------ */
/* Free space */

static guint64
tiny_disk (const char *dir,
           gpointer    user_data)
{
  return 1 * MiB;
}

/* Plenty for the start, too little once the folder is being filled. */
static guint64
filling_disk (const char *dir,
              gpointer    user_data)
{
  guint *calls = user_data;

  (*calls)++;
  return g_str_has_suffix (dir, ".partial") ? 2 * MiB : G_MAXUINT64 / 2;
}

static guint64
lying_disk (const char *dir,
            gpointer    user_data)
{
  return G_MAXUINT64 / 2;
}

static void
assert_no_space (GError     *error,
                 const char *cache)
{
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_NO_SPACE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, cache));
  g_assert_true (g_str_has_suffix (error->message, "Free up some space and try again."));
  assert_dir_empty (cache);
}

static void
test_no_space_injected (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *path = make_rom (dir, "tgz", FALSE, NULL);
  g_autoptr(UbRomArchive) archive = ub_rom_archive_new (path, cache);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *want = NULL;
  struct stat st;
  guint calls = 0;

  /* before starting: the archive size plus a margin is needed */
  ub_rom_archive_set_free_space_func (archive, tiny_disk, NULL);
  out = ub_rom_archive_unpack (archive, NULL, NULL, NULL, &error);
  g_assert_null (out);
  assert_no_space (error, cache);
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_true (g_str_has_prefix (error->message, "Unpacking the ROM needs at least "));
  {
    g_autofree char *one = g_format_size (1 * MiB);
    g_autofree char *free_s = g_strdup_printf ("but only %s is free", one);

    g_assert_nonnull (strstr (error->message, free_s));
  }
  g_clear_error (&error);

  /* while unpacking: an entry larger than what is left */
  ub_rom_archive_set_free_space_func (archive, filling_disk, &calls);
  out = ub_rom_archive_unpack (archive, NULL, NULL, NULL, &error);
  g_assert_null (out);
  assert_no_space (error, cache);
  g_assert_cmpuint (calls, >=, 3);  /* the start, then entries */
}

/* Real tmpfs mounts, in a private mount namespace of a child process. */

static gboolean
can_mount_tmpfs (void)
{
  static int result = -1;

  if (result < 0)
    {
      pid_t pid = fork ();
      int status = 0;

      if (pid == 0)
        {
          g_autofree char *mnt = g_build_filename (tmp_dir, "probe", NULL);

          g_mkdir (mnt, 0755);
          _exit (unshare (CLONE_NEWNS) == 0 &&
                 mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
                 mount ("tmpfs", mnt, "tmpfs", 0, "size=1m") == 0 ? 0 : 1);
        }
      waitpid (pid, &status, 0);
      result = WIFEXITED (status) && WEXITSTATUS (status) == 0;
    }
  return result;
}

/* In the child: a tmpfs of @size bytes mounted on a new folder. */
static char *
mount_tmpfs (gsize size)
{
  g_autofree char *opts = g_strdup_printf ("size=%" G_GSIZE_FORMAT, size);
  char *mnt = g_strdup_printf ("%s/tmpfs-%d-%u", tmp_dir, getpid (), case_counter++);

  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  g_assert_cmpint (unshare (CLONE_NEWNS), ==, 0);
  g_assert_cmpint (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), ==, 0);
  g_assert_cmpint (mount ("tmpfs", mnt, "tmpfs", 0, opts), ==, 0);
  return mnt;
}

static gboolean
run_in_namespace (void)
{
  if (g_test_subprocess ())
    return TRUE;
  if (!can_mount_tmpfs ())
    {
      g_test_skip ("cannot mount a tmpfs in a private mount namespace here");
      return FALSE;
    }
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

/* The archive is larger than the whole disk. */
static void
test_no_space_tmpfs_start (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *mnt = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GArray) a = entries_new ();
  g_autoptr(GBytes) big = ub_test_random_bytes (4 * MiB, 9);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  if (!run_in_namespace ())
    return;
  dir = new_case_dir (NULL);
  path = g_build_filename (dir, "rom.tgz", NULL);
  mnt = mount_tmpfs (2 * MiB);
  cache = g_build_filename (mnt, "cache", NULL);
  add_file (a, TOP "/images/super.img", big);
  write_archive (path, "tgz", a);
  out = unpack (path, cache, &error);
  g_assert_null (out);
  assert_no_space (error, cache);
  g_assert_true (g_str_has_prefix (error->message, "Unpacking the ROM needs at least "));
}

/* A small archive whose entry expands beyond the free space. */
static void
test_no_space_tmpfs_entry (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *mnt = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GArray) a = entries_new ();
  g_autoptr(GBytes) small = ub_test_random_bytes (1 * MiB, 10);
  g_autoptr(GBytes) zeros = g_bytes_new_take (g_malloc0 (32 * MiB), 32 * MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  if (!run_in_namespace ())
    return;
  dir = new_case_dir (NULL);
  path = g_build_filename (dir, "rom.tgz", NULL);
  mnt = mount_tmpfs (8 * MiB);
  cache = g_build_filename (mnt, "cache", NULL);
  add_file (a, TOP "/images/boot.img", small);
  add_file (a, TOP "/images/userdata.img", zeros);
  write_archive (path, "tgz", a);
  out = unpack (path, cache, &error);
  g_assert_null (out);
  assert_no_space (error, cache);
  g_assert_true (g_str_has_prefix (error->message, "Unpacking the ROM needs at least "));
}

/* The free-space checks are fooled: the write itself fails with ENOSPC. */
static void
test_no_space_tmpfs_enospc (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *mnt = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GArray) a = entries_new ();
  g_autoptr(GBytes) small = ub_test_random_bytes (1 * MiB, 10);
  g_autoptr(GBytes) zeros = g_bytes_new_take (g_malloc0 (32 * MiB), 32 * MiB);
  g_autoptr(UbRomArchive) archive = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  if (!run_in_namespace ())
    return;
  dir = new_case_dir (NULL);
  path = g_build_filename (dir, "rom.tgz", NULL);
  mnt = mount_tmpfs (8 * MiB);
  cache = g_build_filename (mnt, "cache", NULL);
  add_file (a, TOP "/images/boot.img", small);
  add_file (a, TOP "/images/userdata.img", zeros);
  write_archive (path, "tgz", a);
  archive = ub_rom_archive_new (path, cache);
  ub_rom_archive_set_free_space_func (archive, lying_disk, NULL);
  out = ub_rom_archive_unpack (archive, NULL, NULL, NULL, &error);
  g_assert_null (out);
  assert_no_space (error, cache);
  g_assert_true (g_str_has_prefix (error->message, "The disk became full while unpacking the ROM"));
}

/* Where unshare() is forbidden (as in Flatpak's sandbox) unpacking works the
 * same, and the process's working directory is left as it was. */
static void
test_no_unshare (void)
{
  struct sock_filter filter[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { G_N_ELEMENTS (filter), filter };
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC,
                              G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_assert_cmpint (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), ==, 0);
  g_assert_cmpint (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), ==, 0);
  g_assert_cmpint (unshare (CLONE_FS), ==, -1);
  g_assert_cmpint (errno, ==, EPERM);

  before = g_get_current_dir ();
  check_good ("tgz");
  test_unsafe (&unsafe_cases[0]);
  after = g_get_current_dir ();
  g_assert_cmpstr (after, ==, before);
}

/* ------------------------------------------------------------------------ */
/* Prune */

static void
set_last_used (const char *unpack_dir,
               time_t      when)
{
  g_autofree char *marker = g_build_filename (unpack_dir, UB_ROM_ARCHIVE_MARKER, NULL);
  struct timespec ts = { when, 0 };

  set_mtime (marker, ts);
}

static void
test_prune (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  char *outs[4] = { NULL };
  g_autofree char *stale = NULL;
  g_autofree char *nomarker = NULL;
  g_autofree char *foreign = NULL;
  g_autofree char *stale_lock = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/rom%u.tgz", dir, i);
      g_autoptr(GArray) a = entries_new ();
      g_autofree char *text = g_strdup_printf ("rom %u", i);

      add_text (a, TOP "/misc.txt", text);
      write_archive (path, "tgz", a);
      outs[i] = unpack (path, cache, &error);
      g_assert_no_error (error);
    }
  /* last use: rom2 newest, then rom0, rom3, rom1 */
  set_last_used (outs[0], 1700000300);
  set_last_used (outs[1], 1700000100);
  set_last_used (outs[2], 1700000400);
  set_last_used (outs[3], 1700000200);
  stale = g_build_filename (cache, "old-123.partial", NULL);
  g_assert_cmpint (g_mkdir (stale, 0755), ==, 0);
  copy_marker (outs[0], stale);
  nomarker = g_build_filename (cache, "nomarker-456", NULL);
  g_assert_cmpint (g_mkdir (nomarker, 0755), ==, 0);
  foreign = g_build_filename (cache, "notes.txt", NULL);
  touch_file (foreign);
  stale_lock = g_build_filename (cache, "crashed-789.lock", NULL);
  touch_file (stale_lock);

  g_assert_true (ub_rom_archive_prune_cache (cache, 2, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (outs[2], G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (outs[0], G_FILE_TEST_IS_DIR));
  assert_missing (outs[1]);
  assert_missing (outs[3]);
  assert_missing (stale);
  assert_missing (nomarker);
  assert_missing (stale_lock);
  g_assert_true (g_file_test (foreign, G_FILE_TEST_EXISTS));
  names = ub_test_list_dir (cache);
  g_assert_cmpuint (names->len, ==, 3);

  /* the kept ones are still complete */
  {
    g_autoptr(GHashTable) digests = ub_rom_archive_load_digests (outs[0]);

    g_assert_nonnull (digests);
    g_assert_cmpuint (g_hash_table_size (digests), ==, 1);
  }

  g_assert_true (ub_rom_archive_prune_cache (cache, 0, &error));
  assert_missing (outs[0]);
  assert_missing (outs[2]);
  g_clear_pointer (&foreign, g_free);
  foreign = g_build_filename (dir, "none", NULL);
  g_assert_true (ub_rom_archive_prune_cache (foreign, 0, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (outs); i++)
    g_free (outs[i]);
}

/* An unpack in progress (its key locked) is not pruned. */
static void
test_prune_skips_busy (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autofree char *partial = g_build_filename (cache, "busy-1.partial", NULL);
  g_autofree char *lock = g_build_filename (cache, "busy-1.lock", NULL);
  g_autoptr(GError) error = NULL;
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (partial, 0755), ==, 0);
  fd = open (lock, O_RDWR | O_CREAT, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  g_assert_true (ub_rom_archive_prune_cache (cache, 0, &error));
  g_assert_true (g_file_test (partial, G_FILE_TEST_IS_DIR));
  close (fd);
  g_assert_true (ub_rom_archive_prune_cache (cache, 0, &error));
  assert_missing (partial);
  assert_missing (lock);
}

/* ------------------------------------------------------------------------ */
/* Async */

typedef struct {
  GMainLoop *loop;
  char      *dir;
  GError    *error;
} AsyncResult;

static void
on_unpacked (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->dir = ub_rom_archive_unpack_finish (UB_ROM_ARCHIVE (source), result, &r->error);
  g_main_loop_quit (r->loop);
}

static void
on_progress_changed (UbProgress *progress,
                     Progress   *p)
{
  on_progress (ub_progress_get_bytes_done (progress), ub_progress_get_bytes_total (progress), NULL, p);
}

static void
test_async (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autoptr(GHashTable) expect = NULL;
  g_autofree char *path = make_rom (dir, "tgz", TRUE, &expect);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(UbRomArchive) archive = ub_rom_archive_new (path, cache);
  g_autoptr(UbProgress) progress = NULL;
  Progress p = { 0 };
  AsyncResult r = { 0 };
  struct stat st;

  g_main_context_push_thread_default (context);
  progress = ub_progress_new ();   /* its ::changed comes in @context */
  g_signal_connect (progress, "changed", G_CALLBACK (on_progress_changed), &p);
  r.loop = g_main_loop_new (context, FALSE);
  p.thread = g_thread_self ();
  ub_rom_archive_unpack_async (archive, progress, NULL, on_unpacked, &r);
  g_main_loop_run (r.loop);
  /* the last figures may follow the result */
  while (p.last != ub_progress_get_bytes_total (progress))
    g_main_context_iteration (context, TRUE);
  g_assert_no_error (r.error);
  assert_unpack_matches (r.dir, expect);
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpuint (p.calls, >=, 1);
  g_assert_false (p.wrong_thread);
  g_assert_true (p.monotonic);
  g_assert_cmpuint (p.last, ==, (guint64) st.st_size);
  g_free (r.dir);
  r.dir = NULL;

  /* an error comes back the same way */
  truncate_file (path, 0.5);
  {
    g_autoptr(UbRomArchive) bad = ub_rom_archive_new (path, cache);

    ub_rom_archive_unpack_async (bad, NULL, NULL, on_unpacked, &r);
    g_main_loop_run (r.loop);
  }
  g_assert_error (r.error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE);
  g_assert_null (r.dir);
  g_clear_error (&r.error);
  g_main_loop_unref (r.loop);
  g_main_context_pop_thread_default (context);
}

/* Two unpacks of the same archive at once: one waits, then reuses. */
typedef struct {
  const char *path;
  const char *cache;
  char       *dir;
  GError     *error;
} ThreadUnpack;

static gpointer
thread_unpack (gpointer data)
{
  ThreadUnpack *t = data;

  t->dir = unpack (t->path, t->cache, &t->error);
  return NULL;
}

static void
test_concurrent (void)
{
  g_autofree char *cache = NULL;
  g_autofree char *dir = new_case_dir (&cache);
  g_autoptr(GHashTable) expect = NULL;
  g_autofree char *path = make_rom (dir, "tgz", TRUE, &expect);
  ThreadUnpack t[2] = { { path, cache, NULL, NULL }, { path, cache, NULL, NULL } };
  GThread *threads[2];
  g_autoptr(GPtrArray) names = NULL;

  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("unpack", thread_unpack, &t[i]);
  for (guint i = 0; i < 2; i++)
    {
      g_thread_join (threads[i]);
      g_assert_no_error (t[i].error);
    }
  g_assert_cmpstr (t[0].dir, ==, t[1].dir);
  assert_unpack_matches (t[0].dir, expect);
  names = ub_test_list_dir (cache);
  g_assert_cmpuint (names->len, ==, 1);
  g_free (t[0].dir);
  g_free (t[1].dir);
}

/* ------------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* a subprocess (the tmpfs tests) works in its parent's folder */
  if (g_test_subprocess () && g_getenv ("UB_ROM_ARCHIVE_TEST_DIR"))
    tmp_dir = g_strdup (g_getenv ("UB_ROM_ARCHIVE_TEST_DIR"));
  else
    tmp_dir = g_dir_make_tmp ("ub-rom-archive-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  g_setenv ("UB_ROM_ARCHIVE_TEST_DIR", tmp_dir, TRUE);

  g_test_add_func ("/rom-archive/names", test_names);
  g_test_add_func ("/rom-archive/default-cache", test_default_cache);
  g_test_add_func ("/rom-archive/good/tgz", test_good_tgz);
  g_test_add_func ("/rom-archive/good/tar", test_good_tar);
  g_test_add_func ("/rom-archive/good/tar-xz", test_good_xz);
  g_test_add_func ("/rom-archive/good/zip", test_good_zip);
  g_test_add_func ("/rom-archive/recovery-rom", test_recovery_rom);
  g_test_add_func ("/rom-archive/good/trailing-bytes", test_trailing_bytes);
  g_test_add_func ("/rom-archive/name-md5", test_name_md5);
  g_test_add_func ("/rom-archive/reuse/same-file", test_reuse);
  g_test_add_func ("/rom-archive/reuse/leftovers", test_no_reuse_of_leftovers);
  g_test_add_func ("/rom-archive/reuse/after-reboot", test_reuse_after_reboot);
  for (guint i = 0; i < G_N_ELEMENTS (unsafe_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/rom-archive/unsafe/%s", unsafe_cases[i].name);

      g_test_add_data_func (name, &unsafe_cases[i], test_unsafe);
    }
  g_test_add_func ("/rom-archive/damaged/truncated-tgz", test_truncated_tgz);
  g_test_add_func ("/rom-archive/damaged/truncated-tar", test_truncated_tar);
  g_test_add_func ("/rom-archive/damaged/garbage", test_garbage);
  g_test_add_func ("/rom-archive/damaged/tar-header", test_damaged_tar_header);
  g_test_add_func ("/rom-archive/damaged/bad-gzip", test_bad_gzip);
  g_test_add_func ("/rom-archive/damaged/empty", test_empty_file);
  g_test_add_func ("/rom-archive/damaged/gzip-trailer", test_gzip_trailer);
  g_test_add_func ("/rom-archive/good/gzip-members", test_gzip_members);
  g_test_add_func ("/rom-archive/cancel", test_cancel);
  g_test_add_func ("/rom-archive/no-space/injected", test_no_space_injected);
  g_test_add_func ("/rom-archive/no-space/tmpfs-start", test_no_space_tmpfs_start);
  g_test_add_func ("/rom-archive/no-space/tmpfs-entry", test_no_space_tmpfs_entry);
  g_test_add_func ("/rom-archive/no-space/tmpfs-enospc", test_no_space_tmpfs_enospc);
  g_test_add_func ("/rom-archive/no-unshare", test_no_unshare);
  g_test_add_func ("/rom-archive/prune/keep-newest", test_prune);
  g_test_add_func ("/rom-archive/prune/skips-busy", test_prune_skips_busy);
  g_test_add_func ("/rom-archive/async", test_async);
  g_test_add_func ("/rom-archive/concurrent", test_concurrent);

  ret = g_test_run ();
  if (!g_test_subprocess ())
    ub_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
