/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UbEmuSession fed directly: the emulated ABL's answers, byte-exact. */
#include "config.h"

#include "ub-emu-phone.h"
#include "ub-emu-session.h"
#include "ub-emu-tcp-server.h"

#include "ub-test-utils.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#define MIB (1024 * 1024)

/* Small A/B phone: max-download-size 4 MiB, super 64 MiB (> limit, so
 * sparse flashes to it take ABL's parallel path). */
static const char *test_profile =
  "[device]\n"
  "product=testphone\n"
  "serialno=EMU123\n"
  "unlocked=yes\n"
  "anti=1\n"
  "crc=1\n"
  "max-download-size=4194304\n"
  "current-slot=a\n"
  "parallel-download-flash=yes\n"
  "logical-block-size=0x1000\n"
  "token=TOKEN123\n"
  "[partitions]\n"
  "misc=0x10000\n"
  "boot_ab=0x100000\n"
  "super=0x4000000\n"
  "userdata=2097152\n"
  "[slotted-partitions]\n"
  "modem=0x20000\n"
  "[partition-types]\n"
  "userdata=f2fs\n";

typedef struct {
  char       *dir;
  UbEmuPhone *phone;
  UbEmuSession *session;
  GPtrArray  *out;      /* char*, one per device->host packet */
} Fixture;

static void
collect (const guint8 *data,
         gsize         len,
         gpointer      user_data)
{
  Fixture *fx = user_data;

  g_assert_cmpuint (len, <=, 64);
  g_ptr_array_add (fx->out, g_strndup ((const char *) data, len));
}

static void
fixture_setup_with (Fixture    *fx,
                    const char *profile)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) kf = NULL;

  fx->dir = g_dir_make_tmp ("ub-emu-test-XXXXXX", &error);
  g_assert_no_error (error);
  if (profile)
    {
      kf = g_key_file_new ();
      g_key_file_load_from_data (kf, profile, -1, G_KEY_FILE_NONE, &error);
      g_assert_no_error (error);
    }
  fx->phone = ub_emu_phone_new (kf, fx->dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->phone);
  fx->out = g_ptr_array_new_with_free_func (g_free);
  fx->session = ub_emu_session_new (fx->phone, collect, fx);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  fixture_setup_with (fx, test_profile);
}

static void
fixture_setup_default (Fixture       *fx,
                       gconstpointer  data)
{
  fixture_setup_with (fx, NULL);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_clear_object (&fx->session);
  g_clear_object (&fx->phone);
  g_ptr_array_unref (fx->out);
  ub_test_rm_rf (fx->dir);
  g_free (fx->dir);
}

/* Send a command; return the responses as one string joined by '|'. */
static char *
cmd (Fixture    *fx,
     const char *command)
{
  UbEmuAction action;

  g_ptr_array_set_size (fx->out, 0);
  action = ub_emu_session_feed (fx->session, (const guint8 *) command, strlen (command));
  g_assert_cmpint (action, ==, UB_EMU_ACTION_CONTINUE);
  g_ptr_array_add (fx->out, NULL);
  return g_strjoinv ("|", (char **) fx->out->pdata);
}

#define assert_cmd(fx, command, expected) \
  G_STMT_START { \
    g_autofree char *_r = cmd ((fx), (command)); \
    g_assert_cmpstr (_r, ==, (expected)); \
  } G_STMT_END

/* download:<size> + data (in uneven pieces), expecting DATA then OKAY. */
static void
download (Fixture      *fx,
          const guint8 *data,
          gsize         len)
{
  g_autofree char *command = g_strdup_printf ("download:%08x", (guint) len);
  g_autofree char *expected = g_strdup_printf ("DATA%08x", (guint) len);
  g_autofree char *r = cmd (fx, command);
  gsize done = 0, piece = 1000;

  g_assert_cmpstr (r, ==, expected);
  g_ptr_array_set_size (fx->out, 0);
  while (done < len)
    {
      gsize n = MIN (piece, len - done);

      g_assert_cmpuint (ub_emu_session_get_data_remaining (fx->session), ==, len - done);
      g_assert_cmpint (ub_emu_session_feed (fx->session, data + done, n), ==, UB_EMU_ACTION_CONTINUE);
      done += n;
      piece = piece * 3 + 7;
    }
  g_assert_cmpuint (ub_emu_session_get_data_remaining (fx->session), ==, 0);
  g_assert_cmpuint (fx->out->len, ==, 1);
  g_assert_cmpstr (fx->out->pdata[0], ==, "OKAY");
}

static GBytes *
read_partition (Fixture    *fx,
                const char *name)
{
  g_autofree char *path = ub_emu_phone_get_partition_path (fx->phone, name);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_assert_nonnull (path);
  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static gboolean
all_bytes (const guint8 *p,
           gsize         len,
           guint8        value)
{
  for (gsize i = 0; i < len; i++)
    if (p[i] != value)
      return FALSE;
  return TRUE;
}

static guint8 *
pattern_data (gsize   len,
              guint32 seed)
{
  guint8 *buf = g_malloc (len);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  return buf;
}

/* ---- sparse image builder ---------------------------------------------- */

typedef struct {
  GByteArray *buf;
  guint32     blocks;
  guint32     chunks;
} Sparse;

static void
put_le16 (GByteArray *b, guint16 v)
{
  guint8 x[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (b, x, 2);
}

static void
put_le32 (GByteArray *b, guint32 v)
{
  guint8 x[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (b, x, 4);
}

static Sparse *
sparse_new (void)
{
  Sparse *s = g_new0 (Sparse, 1);

  s->buf = g_byte_array_new ();
  g_byte_array_set_size (s->buf, 28);  /* header written by sparse_finish */
  return s;
}

static void
sparse_chunk (Sparse       *s,
              guint16       type,
              guint32       blocks,
              const guint8 *payload,
              guint32       payload_len)
{
  put_le16 (s->buf, type);
  put_le16 (s->buf, 0);
  put_le32 (s->buf, blocks);
  put_le32 (s->buf, 12 + payload_len);
  if (payload_len)
    g_byte_array_append (s->buf, payload, payload_len);
  s->blocks += blocks;
  s->chunks++;
}

static GByteArray *
sparse_finish (Sparse  *s,
               guint32  total_blks,
               guint16  file_hdr_sz)
{
  GByteArray *hdr = g_byte_array_new ();
  GByteArray *out = s->buf;

  put_le32 (hdr, 0xED26FF3A);
  put_le16 (hdr, 1);
  put_le16 (hdr, 0);
  put_le16 (hdr, file_hdr_sz);
  put_le16 (hdr, 12);
  put_le32 (hdr, 4096);
  put_le32 (hdr, total_blks ? total_blks : s->blocks);
  put_le32 (hdr, s->chunks);
  put_le32 (hdr, 0);
  memcpy (out->data, hdr->data, 28);
  g_byte_array_unref (hdr);
  g_free (s);
  return out;
}

/* ---- tests -------------------------------------------------------------- */

static void
test_getvar (Fixture       *fx,
             gconstpointer  data)
{
  assert_cmd (fx, "getvar:product", "OKAYtestphone");
  assert_cmd (fx, "getvar:serialno", "OKAYEMU123");
  assert_cmd (fx, "getvar:max-download-size", "OKAY4194304");
  assert_cmd (fx, "getvar:unlocked", "OKAYyes");
  assert_cmd (fx, "getvar:current-slot", "OKAYa");
  assert_cmd (fx, "getvar:slot-count", "OKAY2");
  assert_cmd (fx, "getvar:logical-block-size", "OKAY 0x1000");
  assert_cmd (fx, "getvar:partition-size:boot_a", "OKAY 0x100000");
  assert_cmd (fx, "getvar:partition-size:userdata", "OKAY 0x200000");
  assert_cmd (fx, "getvar:partition-size:super", "OKAY 0x4000000");
  assert_cmd (fx, "getvar:partition-type:userdata", "OKAYf2fs");
  assert_cmd (fx, "getvar:partition-type:misc", "OKAYraw");
  /* ABL publishes has-slot only for boot, system, modem. */
  assert_cmd (fx, "getvar:has-slot:boot", "OKAYyes");
  assert_cmd (fx, "getvar:has-slot:modem", "OKAYyes");
  assert_cmd (fx, "getvar:has-slot:system", "OKAYno");
  assert_cmd (fx, "getvar:has-slot:vbmeta", "FAILGetVar Variable Not found");
  /* Exact names only; _ab and bare slotted names are not variables. */
  assert_cmd (fx, "getvar:partition-size:boot", "FAILGetVar Variable Not found");
  assert_cmd (fx, "getvar:partition-size:boot_ab", "FAILGetVar Variable Not found");
  assert_cmd (fx, "getvar:nonexistent", "FAILGetVar Variable Not found");
  assert_cmd (fx, "getvar:slot-retry-count:b", "OKAY7");
}

static void
test_getvar_all (Fixture       *fx,
                 gconstpointer  data)
{
  g_autofree char *r = cmd (fx, "getvar:all");
  guint n = fx->out->len - 1;  /* minus the NULL terminator */

  g_assert_cmpstr (fx->out->pdata[n - 1], ==, "OKAY");
  g_assert_cmpstr (fx->out->pdata[0], ==, "INFOunlocked:yes");
  g_assert_nonnull (strstr (r, "|INFOpartition-type:boot_b:raw|INFOpartition-size:boot_b: 0x100000|"));
  g_assert_nonnull (strstr (r, "|INFOhas-slot:modem:yes|INFOhas-slot:system:no|INFOcurrent-slot:a|INFOhas-slot:boot:yes|"));
  g_assert_nonnull (strstr (r, "|INFOmax-download-size:4194304|INFOkernel:uefi|OKAY"));
  for (guint i = 0; i + 1 < n; i++)
    g_assert_true (g_str_has_prefix (fx->out->pdata[i], "INFO"));
}

static int
cmp_str_ptr (gconstpointer a,
             gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The built-in profile reproduces the real alioth `getvar all`, except
 * userdata which is shrunk to 4 GiB. */
static void
test_default_profile_matches_alioth (Fixture       *fx,
                                     gconstpointer  data)
{
  const char *fixtures = g_getenv ("UB_FIXTURES_DIR");
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = NULL;
  g_autofree char *r = NULL;

  /* the built-in phone restarts after a lock, as Xiaomi phones do */
  g_assert_true (ub_emu_phone_get_restart_on_lock (fx->phone));
  if (fixtures == NULL)
    {
      g_test_skip ("UB_FIXTURES_DIR not set");
      return;
    }
  path = g_build_filename (fixtures, "xiaomi", "getvar", "alioth.txt", NULL);
  if (!g_file_get_contents (path, &contents, NULL, &error))
    {
      g_test_skip (error->message);
      return;
    }
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (!g_str_has_prefix (lines[i], "(bootloader) "))
        continue;
      if (g_str_equal (lines[i], "(bootloader) partition-size:userdata: 0x1A92FFB000"))
        g_ptr_array_add (expected, g_strdup ("INFOpartition-size:userdata: 0x100000000"));
      else
        g_ptr_array_add (expected, g_strconcat ("INFO", lines[i] + strlen ("(bootloader) "), NULL));
    }
  g_ptr_array_add (expected, g_strdup ("OKAY"));

  r = cmd (fx, "getvar:all");
  /* Same set of lines; slot partitions are grouped per name rather than
   * per slot, so compare sorted. */
  g_assert_cmpuint (fx->out->len - 1, ==, expected->len);
  g_ptr_array_remove_index (fx->out, fx->out->len - 1);
  g_ptr_array_sort (fx->out, cmp_str_ptr);
  g_ptr_array_sort (expected, cmp_str_ptr);
  for (guint i = 0; i < expected->len; i++)
    g_assert_cmpstr (fx->out->pdata[i], ==, expected->pdata[i]);

  /* And a few single reads in ABL's formats. */
  assert_cmd (fx, "getvar:max-download-size", "OKAY805306368");
  assert_cmd (fx, "getvar:partition-size:super", "OKAY 0x220000000");
  assert_cmd (fx, "getvar:current-slot", "OKAYb");
  assert_cmd (fx, "getvar:erase-block-size", "OKAY 0x1000");
}

static void
test_partition_files_sparse (Fixture       *fx,
                             gconstpointer  data)
{
  g_autofree char *path = ub_emu_phone_get_partition_path (fx->phone, "super");
  struct stat st;

  g_assert_nonnull (path);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 0x4000000);
  g_assert_cmpint ((gint64) st.st_blocks * 512, <, 1024 * 1024);
  g_assert_null (ub_emu_phone_get_partition_path (fx->phone, "boot"));
  g_assert_null (ub_emu_phone_get_partition_path (fx->phone, "boot_ab"));
}

static void
test_flash_raw (Fixture       *fx,
                gconstpointer  data)
{
  g_autofree guint8 *img = pattern_data (40000, 1);
  g_autoptr(GBytes) part = NULL;
  g_autofree char *log = NULL;
  g_autofree char *log_path = g_build_filename (fx->dir, "writes.log", NULL);
  g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, img, 40000);
  g_autofree char *expected_log = NULL;
  const guint8 *p;
  gsize len;

  assert_cmd (fx, "flash:misc", "FAILNo data to flash");
  download (fx, img, 40000);
  assert_cmd (fx, "flash:misc", "OKAY");

  part = read_partition (fx, "misc");
  p = g_bytes_get_data (part, &len);
  g_assert_cmpuint (len, ==, 0x10000);
  g_assert_cmpmem (p, 40000, img, 40000);
  g_assert_true (all_bytes (p + 40000, len - 40000, 0));

  g_file_get_contents (log_path, &log, NULL, NULL);
  expected_log = g_strdup_printf ("download 40000 %s\nflash misc %s\n", sha, sha);
  g_assert_cmpstr (log, ==, expected_log);
  g_assert_cmpuint (ub_emu_phone_get_n_writes (fx->phone), ==, 2);
}

/* Zero runs in a raw image overwrite old data (as holes). */
static void
test_flash_raw_zeros (Fixture       *fx,
                      gconstpointer  data)
{
  g_autofree guint8 *old = pattern_data (0x10000, 13);
  g_autofree guint8 *img = pattern_data (0x10000 - 100, 14);
  g_autofree guint8 *big = g_malloc0 (3 * MIB);
  g_autofree char *super_path = ub_emu_phone_get_partition_path (fx->phone, "super");
  g_autoptr(GBytes) part = NULL;
  struct stat st;

  download (fx, old, 0x10000);
  assert_cmd (fx, "flash:misc", "OKAY");
  memset (img + 5000, 0, 20000);        /* straddles block boundaries */
  memset (img + 0x10000 - 200, 0, 100); /* zero tail, unaligned end */
  download (fx, img, 0x10000 - 100);
  assert_cmd (fx, "flash:misc", "OKAY");
  part = read_partition (fx, "misc");
  g_assert_cmpmem (g_bytes_get_data (part, NULL), 0x10000 - 100, img, 0x10000 - 100);
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (part, NULL) + 0x10000 - 100, 100,
                   old + 0x10000 - 100, 100);

  /* 3 MiB mostly zero: the partition file stays sparse. */
  memset (big + MIB, 0x5a, 4096);
  download (fx, big, 3 * MIB);
  assert_cmd (fx, "flash:super", "OKAY");
  g_assert_cmpint (g_stat (super_path, &st), ==, 0);
  g_assert_cmpint ((gint64) st.st_blocks * 512, <, MIB);
}

static void
test_flash_raw_errors (Fixture       *fx,
                       gconstpointer  data)
{
  g_autofree guint8 *img = pattern_data (0x10001, 2);

  download (fx, img, 0x10001);
  assert_cmd (fx, "flash:misc", "FAILError flashing partition : Volume Full");
  assert_cmd (fx, "flash:nosuch", "FAIL(nosuch_a) No such partition");
  /* Bare slotted name goes to the current slot. */
  assert_cmd (fx, "flash:boot", "OKAY");
  assert_cmd (fx, "flash:system", "FAIL(system_a) No such partition");
  assert_cmd (fx, "flash:abcdefghijklmnopqrstuvwxyz0123456789", "FAILInvalid partition name");
  {
    g_autoptr(GBytes) a = read_partition (fx, "boot_a");
    g_autoptr(GBytes) b = read_partition (fx, "boot_b");

    g_assert_cmpmem (g_bytes_get_data (a, NULL), 0x10001, img, 0x10001);
    g_assert_true (all_bytes (g_bytes_get_data (b, NULL), 0x100000, 0));
  }
}

static void
test_flash_ab (Fixture       *fx,
               gconstpointer  data)
{
  g_autofree guint8 *img = pattern_data (300000, 3);

  download (fx, img, 300000);
  assert_cmd (fx, "flash:boot_ab",
              "INFOPartition boot_a flashed successfully|"
              "INFOPartition boot_b flashed successfully|OKAY");
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GBytes) part = read_partition (fx, i ? "boot_b" : "boot_a");
      const guint8 *p = g_bytes_get_data (part, NULL);

      g_assert_cmpmem (p, 300000, img, 300000);
      g_assert_true (all_bytes (p + 300000, 0x100000 - 300000, 0));
    }
  g_assert_cmpuint (ub_emu_phone_get_n_writes (fx->phone), ==, 3);

  assert_cmd (fx, "erase:boot_ab",
              "INFOPartition boot_a erase successfully|"
              "INFOPartition boot_b erase successfully|OKAY");
  {
    g_autoptr(GBytes) a = read_partition (fx, "boot_a");
    g_assert_true (all_bytes (g_bytes_get_data (a, NULL), 0x100000, 0));
  }
  assert_cmd (fx, "erase:nosuch", "FAILCheck device console.");
}

static void
test_flash_sparse (Fixture       *fx,
                   gconstpointer  data)
{
  g_autofree guint8 *base = pattern_data (0x10000, 4);  /* 16 blocks of old data */
  g_autofree guint8 *raw1 = pattern_data (2 * 4096, 5);
  g_autofree guint8 *raw2 = pattern_data (4096, 6);
  guint8 fill[4] = { 0xef, 0xbe, 0xad, 0xde };
  g_autoptr(GBytes) part = NULL;
  g_autoptr(GByteArray) img = NULL;
  const guint8 *p;
  Sparse *s;

  /* Old content everywhere, so DONT_CARE must leave it alone. */
  download (fx, base, 0x10000);
  assert_cmd (fx, "flash:misc", "OKAY");

  s = sparse_new ();
  sparse_chunk (s, 0xCAC1, 2, raw1, 2 * 4096);   /* blocks 0-1 */
  sparse_chunk (s, 0xCAC2, 3, fill, 4);           /* blocks 2-4 */
  sparse_chunk (s, 0xCAC3, 5, NULL, 0);           /* blocks 5-9 untouched */
  sparse_chunk (s, 0xCAC1, 1, raw2, 4096);        /* block 10 */
  sparse_chunk (s, 0xCAC2, 2, (guint8[4]) { 0 }, 4); /* blocks 11-12 zero */
  sparse_chunk (s, 0xCAC3, 3, NULL, 0);           /* blocks 13-15 */
  img = sparse_finish (s, 0, 28);

  download (fx, img->data, img->len);
  assert_cmd (fx, "flash:misc", "OKAY");

  part = read_partition (fx, "misc");
  p = g_bytes_get_data (part, NULL);
  g_assert_cmpmem (p, 2 * 4096, raw1, 2 * 4096);
  for (guint i = 0; i < 3 * 4096; i += 4)
    g_assert_cmpmem (p + 2 * 4096 + i, 4, fill, 4);
  g_assert_cmpmem (p + 5 * 4096, 5 * 4096, base + 5 * 4096, 5 * 4096);
  g_assert_cmpmem (p + 10 * 4096, 4096, raw2, 4096);
  g_assert_true (all_bytes (p + 11 * 4096, 2 * 4096, 0));
  g_assert_cmpmem (p + 13 * 4096, 3 * 4096, base + 13 * 4096, 3 * 4096);
}

static void
test_flash_sparse_errors (Fixture       *fx,
                          gconstpointer  data)
{
  guint8 crc[4] = { 1, 2, 3, 4 };
  g_autofree guint8 *raw = pattern_data (4096, 7);

  /* Larger than the partition (misc is 16 blocks). */
  {
    Sparse *s = sparse_new ();
    g_autoptr(GByteArray) img = NULL;

    sparse_chunk (s, 0xCAC3, 17, NULL, 0);
    img = sparse_finish (s, 0, 28);
    download (fx, img->data, img->len);
    assert_cmd (fx, "flash:misc", "FAILError flashing partition : Volume Full");
    assert_cmd (fx, "flash:nosuch", "FAILPartition not found");
  }
  /* CRC32 chunk with a payload, as libsparse writes it: ABL refuses. */
  {
    Sparse *s = sparse_new ();
    g_autoptr(GByteArray) img = NULL;

    sparse_chunk (s, 0xCAC1, 1, raw, 4096);
    sparse_chunk (s, 0xCAC4, 0, crc, 4);
    img = sparse_finish (s, 0, 28);
    download (fx, img->data, img->len);
    assert_cmd (fx, "flash:misc", "FAILError flashing partition : Invalid Parameter");
  }
  /* file_hdr_sz other than 28. */
  {
    Sparse *s = sparse_new ();
    g_autoptr(GByteArray) img = NULL;

    sparse_chunk (s, 0xCAC3, 1, NULL, 0);
    img = sparse_finish (s, 0, 32);
    download (fx, img->data, img->len);
    assert_cmd (fx, "flash:misc", "FAILError flashing partition : Bad Buffer Size");
  }
  /* Chunks not adding up to total_blks. */
  {
    Sparse *s = sparse_new ();
    g_autoptr(GByteArray) img = NULL;

    sparse_chunk (s, 0xCAC3, 2, NULL, 0);
    img = sparse_finish (s, 3, 28);
    download (fx, img->data, img->len);
    assert_cmd (fx, "flash:misc", "FAILError flashing partition : Volume Corrupt");
  }
  /* Unknown chunk type. */
  {
    Sparse *s = sparse_new ();
    g_autoptr(GByteArray) img = NULL;

    sparse_chunk (s, 0xCAC9, 1, NULL, 0);
    img = sparse_finish (s, 0, 28);
    download (fx, img->data, img->len);
    assert_cmd (fx, "flash:misc", "FAILError flashing partition : Invalid Parameter");
  }
}

/* super (64 MiB) > max-download-size (4 MiB): ABL answers OKAY at once and
 * reports a failed background write on the next flash/download. */
static void
test_parallel_deferred_error (Fixture       *fx,
                              gconstpointer  data)
{
  g_autofree guint8 *raw = pattern_data (4096, 8);
  g_autoptr(GByteArray) bad = NULL;
  g_autoptr(GByteArray) good = NULL;
  Sparse *s;

  s = sparse_new ();
  sparse_chunk (s, 0xCAC1, 1, raw, 4096);
  sparse_chunk (s, 0xCAC3, 1, NULL, 0);
  bad = sparse_finish (s, 5, 28);  /* total_blks mismatch: Volume Corrupt */
  download (fx, bad->data, bad->len);
  assert_cmd (fx, "flash:super", "OKAY");
  assert_cmd (fx, "getvar:product", "OKAYtestphone");
  assert_cmd (fx, "download:00001000", "FAILError: Last flash failed : Volume Corrupt");
  /* Reported once. */
  s = sparse_new ();
  sparse_chunk (s, 0xCAC3, 100, NULL, 0);
  sparse_chunk (s, 0xCAC1, 1, raw, 4096);
  good = sparse_finish (s, 0, 28);
  download (fx, good->data, good->len);
  assert_cmd (fx, "flash:super", "OKAY");
  {
    g_autoptr(GBytes) part = read_partition (fx, "super");
    g_assert_cmpmem ((const guint8 *) g_bytes_get_data (part, NULL) + 100 * 4096, 4096, raw, 4096);
  }
}

static void
test_locked (Fixture       *fx,
             gconstpointer  data)
{
  g_autofree guint8 *img = pattern_data (4096, 9);

  ub_emu_phone_set_var (fx->phone, "unlocked", "no");
  assert_cmd (fx, "getvar:unlocked", "OKAYno");
  /* ABL lets the download through and refuses the flash. */
  download (fx, img, 4096);
  assert_cmd (fx, "flash:misc", "FAILFlashing is not allowed in Lock State");
  assert_cmd (fx, "flash:boot_ab", "FAILFlashing is not allowed in Lock State");
  assert_cmd (fx, "erase:misc", "FAILErase is not allowed in Lock State");
  assert_cmd (fx, "set_active:b", "FAILSlot Change is not allowed in Lock State\n");
  assert_cmd (fx, "flashing lock", "FAIL\tDevice already : locked!");
  {
    g_autoptr(GBytes) part = read_partition (fx, "misc");
    g_assert_true (all_bytes (g_bytes_get_data (part, NULL), 0x10000, 0));
  }
  assert_cmd (fx, "flashing unlock", "OKAY");
  assert_cmd (fx, "getvar:unlocked", "OKAYyes");
  assert_cmd (fx, "flashing unlock", "FAIL\tDevice already : unlocked!");
  assert_cmd (fx, "flash:misc", "OKAY");
}

/* A lock answers OKAY, then the phone restarts (the session is gone); the
 * next connection finds it locked. Off (the test profile's default), the
 * session goes on. */
static void
test_restart_on_lock (Fixture       *fx,
                      gconstpointer  data)
{
  const char *lock = data;
  g_autofree char *log_path = g_build_filename (fx->dir, "writes.log", NULL);
  g_autofree char *log = NULL;

  g_assert_false (ub_emu_phone_get_restart_on_lock (fx->phone));
  assert_cmd (fx, lock, "OKAY");
  assert_cmd (fx, "getvar:unlocked", "OKAYno");
  assert_cmd (fx, "flashing unlock", "OKAY");

  ub_emu_phone_set_restart_on_lock (fx->phone, TRUE);
  g_ptr_array_set_size (fx->out, 0);
  g_assert_cmpint (ub_emu_session_feed (fx->session, (const guint8 *) lock, strlen (lock)), ==,
                   UB_EMU_ACTION_DISCONNECT);
  g_assert_cmpuint (fx->out->len, ==, 1);
  g_assert_cmpstr (fx->out->pdata[0], ==, "OKAY");
  /* nothing more reaches it */
  g_ptr_array_set_size (fx->out, 0);
  g_assert_cmpint (ub_emu_session_feed (fx->session, (const guint8 *) "reboot", 6), ==,
                   UB_EMU_ACTION_DISCONNECT);
  g_assert_cmpuint (fx->out->len, ==, 0);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  {
    g_autofree char *expected = g_strdup_printf ("%s\nflashing unlock\n%s\nrestart after lock\n",
                                                 lock, lock);
    g_assert_cmpstr (log, ==, expected);
  }
  /* a failed lock does not restart it */
  g_object_unref (fx->session);
  fx->session = ub_emu_session_new (fx->phone, collect, fx);
  assert_cmd (fx, "getvar:unlocked", "OKAYno");
  assert_cmd (fx, lock, "FAIL\tDevice already : locked!");
  assert_cmd (fx, "getvar:unlocked", "OKAYno");
}

static void
test_download_limits (Fixture       *fx,
                      gconstpointer  data)
{
  assert_cmd (fx, "download:00400001", "FAILRequested download size is more than max allowed\n");
  assert_cmd (fx, "download:00000000", "FAILFailed to get the number of bytes to download");
  assert_cmd (fx, "download:1000", "FAILFailed to get the number of bytes to download");
  assert_cmd (fx, "download:0000zz00", "FAILFailed to get the number of bytes to download");
  assert_cmd (fx, "download:00400000", "DATA00400000");
  g_assert_cmpuint (ub_emu_session_get_data_remaining (fx->session), ==, 0x400000);
}

static void
test_slots (Fixture       *fx,
            gconstpointer  data)
{
  g_autofree char *log = NULL;
  g_autofree char *log_path = g_build_filename (fx->dir, "writes.log", NULL);

  assert_cmd (fx, "set_active:b", "OKAY");
  assert_cmd (fx, "getvar:current-slot", "OKAYb");
  assert_cmd (fx, "set_active:_a", "OKAY");
  assert_cmd (fx, "getvar:current-slot", "OKAYa");
  assert_cmd (fx, "set_active:c", "FAILInvalid Slot Suffix");
  assert_cmd (fx, "set_active:abc", "FAILInvalid Slot");
  assert_cmd (fx, "set_active", "FAILset_active _a or _b should be entered");
  g_file_get_contents (log_path, &log, NULL, NULL);
  g_assert_cmpstr (log, ==, "set_active b\nset_active a\n");
}

static void
test_misc_commands (Fixture       *fx,
                    gconstpointer  data)
{
  g_autofree char *log = NULL;
  g_autofree char *log_path = g_build_filename (fx->dir, "writes.log", NULL);
  g_autofree char *long_oem = g_strnfill (100, 'x');
  g_autofree char *long_cmd = g_strconcat ("oem ", long_oem, NULL);
  g_autofree char *truncated = g_strnfill (60, 'x');

  assert_cmd (fx, "oem device-info",
              "INFOVerity mode: true|INFODevice unlocked: true|"
              "INFODevice critical unlocked: false|INFOCharger screen enabled: false|OKAY");
  assert_cmd (fx, "oem get_token", "INFOtoken:TOKEN123|OKAY");
  assert_cmd (fx, "oem frobnicate", "FAILunknown command");
  assert_cmd (fx, "frobnicate", "FAILunknown command");
  assert_cmd (fx, "flashing get_unlock_ability", "INFOget_unlock_ability: 1|OKAY");
  /* ABL truncates commands at 64 bytes. */
  assert_cmd (fx, long_cmd, "FAILunknown command");
  /* Xiaomi's crclist pseudo partition. */
  download (fx, (const guint8 *) "crc list\n", 9);
  assert_cmd (fx, "flash:crclist", "OKAY");

  g_file_get_contents (log_path, &log, NULL, NULL);
  {
    g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "crc list\n", 9);
    g_autofree char *exp2 = g_strdup_printf ("oem device-info\noem get_token\noem frobnicate\n"
                                             "flashing get_unlock_ability\noem %s\n"
                                             "download 9 %s\nflash crclist %s\n",
                                             truncated, sha, sha);
    g_assert_cmpstr (log, ==, exp2);
  }
}

static void
test_reboot (Fixture       *fx,
             gconstpointer  data)
{
  const char *cmds[] = { "reboot", "reboot-bootloader", "reboot-fastboot", "reboot-recovery" };
  g_autofree char *log = NULL;
  g_autofree char *log_path = g_build_filename (fx->dir, "writes.log", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      g_autoptr(UbEmuSession) s = ub_emu_session_new (fx->phone, collect, fx);

      g_ptr_array_set_size (fx->out, 0);
      g_assert_cmpint (ub_emu_session_feed (s, (const guint8 *) cmds[i], strlen (cmds[i])),
                       ==, UB_EMU_ACTION_DISCONNECT);
      g_assert_cmpuint (fx->out->len, ==, 1);
      g_assert_cmpstr (fx->out->pdata[0], ==, "OKAY");
      /* Gone for good. */
      g_assert_cmpint (ub_emu_session_feed (s, (const guint8 *) "getvar:product", 14),
                       ==, UB_EMU_ACTION_DISCONNECT);
    }
  g_file_get_contents (log_path, &log, NULL, NULL);
  g_assert_cmpstr (log, ==, "reboot system\nreboot bootloader\nreboot fastboot\nreboot recovery\n");
}

static void
test_fault_fail (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_emu_phone_add_fault (fx->phone, "fail:getvar:product", &error));
  g_assert_true (ub_emu_phone_add_fault (fx->phone, "fail:getvar:serialno:2:custom: text", &error));
  g_assert_no_error (error);
  assert_cmd (fx, "getvar:product", "FAILInjected failure");
  assert_cmd (fx, "getvar:product", "OKAYtestphone");
  assert_cmd (fx, "getvar:serialno", "OKAYEMU123");
  assert_cmd (fx, "getvar:serialno", "FAILcustom: text");
  assert_cmd (fx, "getvar:serialno", "OKAYEMU123");

  g_assert_false (ub_emu_phone_add_fault (fx->phone, "bogus:thing", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ub_emu_phone_add_fault (fx->phone, "delay:getvar:abc", &error));
  g_clear_error (&error);
  g_assert_false (ub_emu_phone_add_fault (fx->phone, "disconnect-after:x", &error));
  g_clear_error (&error);
}

static void
test_fault_stall (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_emu_phone_add_fault (fx->phone, "stall:flash:", &error));
  assert_cmd (fx, "getvar:product", "OKAYtestphone");
  g_ptr_array_set_size (fx->out, 0);
  g_assert_cmpint (ub_emu_session_feed (fx->session, (const guint8 *) "flash:misc", 10),
                   ==, UB_EMU_ACTION_STALL);
  g_assert_cmpint (ub_emu_session_feed (fx->session, (const guint8 *) "getvar:product", 14),
                   ==, UB_EMU_ACTION_STALL);
  g_assert_cmpuint (fx->out->len, ==, 0);
}

static void
test_fault_bytes (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *img = pattern_data (10000, 10);
  g_autofree char *r = NULL;

  g_assert_true (ub_emu_phone_add_fault (fx->phone, "disconnect-after:5000", &error));
  r = cmd (fx, "download:00002710");
  g_assert_cmpstr (r, ==, "DATA00002710");
  g_ptr_array_set_size (fx->out, 0);
  g_assert_cmpint (ub_emu_session_feed (fx->session, img, 4000), ==, UB_EMU_ACTION_CONTINUE);
  g_assert_cmpint (ub_emu_session_feed (fx->session, img + 4000, 4000), ==, UB_EMU_ACTION_DISCONNECT);
  g_assert_cmpuint (fx->out->len, ==, 0);
  g_assert_cmpuint (ub_emu_phone_get_n_writes (fx->phone), ==, 0);

  /* One-shot: a new connection works. */
  g_clear_object (&fx->session);
  fx->session = ub_emu_session_new (fx->phone, collect, fx);
  download (fx, img, 10000);

  g_assert_true (ub_emu_phone_add_fault (fx->phone, "stall-after:100", &error));
  g_clear_pointer (&r, g_free);
  r = cmd (fx, "download:00002710");
  g_assert_cmpint (ub_emu_session_feed (fx->session, img, 200), ==, UB_EMU_ACTION_STALL);
}

static void
test_fault_data_size (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_emu_phone_add_fault (fx->phone, "data-size:-16", &error));
  assert_cmd (fx, "download:00001000", "DATA00000ff0");
  g_assert_cmpuint (ub_emu_session_get_data_remaining (fx->session), ==, 0xff0);
}

static void
test_fault_delay (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_assert_true (ub_emu_phone_add_fault (fx->phone, "delay:getvar:product:200", &error));
  start = g_get_monotonic_time ();
  assert_cmd (fx, "getvar:product", "OKAYtestphone");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200000);
  start = g_get_monotonic_time ();
  assert_cmd (fx, "getvar:serialno", "OKAYEMU123");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 150000);
}

static void
test_fault_deferred (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *img = pattern_data (4096, 11);
  g_autofree char *log = NULL;
  g_autofree char *log_path = g_build_filename (fx->dir, "writes.log", NULL);

  g_assert_true (ub_emu_phone_add_fault (fx->phone, "deferred-fail:misc", &error));
  download (fx, img, 4096);
  assert_cmd (fx, "flash:misc", "OKAY");
  assert_cmd (fx, "getvar:product", "OKAYtestphone");
  assert_cmd (fx, "flash:misc", "FAILError: Last flash failed : Device Error");
  {
    g_autoptr(GBytes) part = read_partition (fx, "misc");
    g_assert_true (all_bytes (g_bytes_get_data (part, NULL), 0x10000, 0));
  }
  assert_cmd (fx, "flash:misc", "OKAY");
  g_file_get_contents (log_path, &log, NULL, NULL);
  g_assert_nonnull (strstr (log, "\nflash misc "));
  g_assert_null (strstr (strstr (log, "\nflash misc ") + 1, "\nflash misc "));
}

static void
test_non_ab_profile (void)
{
  Fixture fx = { 0 };

  fixture_setup_with (&fx,
                      "[device]\nproduct=raphael\nmax-download-size=0x10000000\n"
                      "current-slot=a\n[partitions]\nboot=0x4000000\nsystem=0x100000\n");
  assert_cmd (&fx, "getvar:max-download-size", "OKAY0x10000000");
  assert_cmd (&fx, "getvar:current-slot", "FAILGetVar Variable Not found");
  assert_cmd (&fx, "getvar:slot-count", "FAILGetVar Variable Not found");
  assert_cmd (&fx, "getvar:has-slot:boot", "FAILGetVar Variable Not found");
  assert_cmd (&fx, "set_active:a", "FAILThis Command not supported");
  download (&fx, (const guint8 *) "abcd", 4);
  assert_cmd (&fx, "flash:vendor", "FAIL(vendor) No such partition");
  assert_cmd (&fx, "flash:boot_ab", "FAIL(boot_ab) No such partition");
  assert_cmd (&fx, "flash:system", "OKAY");
  fixture_teardown (&fx, NULL);
}

static void
test_bad_profiles (void)
{
  const char *bad[] = {
    "[partitions]\nboot=abc\n",
    "[partitions]\nboot=0\n",
    "[partitions]\nbo/ot=0x1000\n",
    "[device]\nmax-download-size=lots\n",
    "[partitions]\nboot_ab=0x1000\nboot_a=0x1000\n",
    "[faults]\nf=explode:now\n",
  };
  g_autofree char *dir = g_dir_make_tmp ("ub-emu-bad-XXXXXX", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GKeyFile) kf = g_key_file_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(UbEmuPhone) phone = NULL;

      g_assert_true (g_key_file_load_from_data (kf, bad[i], -1, G_KEY_FILE_NONE, NULL));
      phone = ub_emu_phone_new (kf, dir, &error);
      g_assert_null (phone);
      g_assert_nonnull (error);
    }
  ub_test_rm_rf (dir);
}

/* Every shipped profile loads; spot checks of each. */
static void
test_shipped_profiles (void)
{
  const char *src = g_getenv ("UB_SOURCE_DIR");
  struct {
    const char *file;
    const char *command;
    const char *expected;
  } checks[] = {
    { "small-ab.ini", "getvar:max-download-size", "OKAY16777216" },
    { "small-ab.ini", "getvar:partition-size:boot_b", "OKAY 0x6000000" },
    { "non-ab.ini", "getvar:product", "OKAYraphael" },
    { "non-ab.ini", "getvar:slot-count", "FAILGetVar Variable Not found" },
    { "locked.ini", "getvar:unlocked", "OKAYno" },
    { "locked.ini", "flashing unlock", "FAILFlashing Unlock is not allowed\n" },
    { "locked.ini", "erase:misc", "FAILErase is not allowed in Lock State" },
  };

  if (src == NULL)
    {
      g_test_skip ("UB_SOURCE_DIR not set");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      g_autofree char *path = g_build_filename (src, "tests", "data", "profiles", checks[i].file, NULL);
      g_autoptr(GError) error = NULL;
      Fixture fx = { 0 };

      fx.dir = g_dir_make_tmp ("ub-emu-prof-XXXXXX", &error);
      g_assert_no_error (error);
      fx.phone = ub_emu_phone_new_from_file (path, fx.dir, &error);
      g_assert_no_error (error);
      fx.out = g_ptr_array_new_with_free_func (g_free);
      fx.session = ub_emu_session_new (fx.phone, collect, &fx);
      assert_cmd (&fx, checks[i].command, checks[i].expected);
      fixture_teardown (&fx, NULL);
    }
}

/* State survives a new UbEmuPhone on the same directory. */
static void
test_persistence (Fixture       *fx,
                  gconstpointer  data)
{
  g_autofree guint8 *img = pattern_data (5000, 12);
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  download (fx, img, 5000);
  assert_cmd (fx, "flash:misc", "OKAY");
  g_clear_object (&fx->session);
  g_clear_object (&fx->phone);

  g_key_file_load_from_data (kf, test_profile, -1, G_KEY_FILE_NONE, NULL);
  fx->phone = ub_emu_phone_new (kf, fx->dir, &error);
  g_assert_no_error (error);
  fx->session = ub_emu_session_new (fx->phone, collect, fx);
  {
    g_autoptr(GBytes) part = read_partition (fx, "misc");
    g_assert_cmpmem (g_bytes_get_data (part, NULL), 5000, img, 5000);
  }
}

/* Several sessions on one phone from several threads. */
typedef struct {
  UbEmuPhone *phone;
  guint       seed;
  gboolean    ok;
} ThreadArgs;

static void
count_okay (const guint8 *data, gsize len, gpointer user_data)
{
  guint *n = user_data;

  if (len >= 4 && memcmp (data, "OKAY", 4) == 0)
    (*n)++;
}

static gpointer
session_thread (gpointer data)
{
  ThreadArgs *args = data;
  guint okays = 0;
  g_autoptr(UbEmuSession) s = ub_emu_session_new (args->phone, count_okay, &okays);
  g_autofree guint8 *img = pattern_data (65536, args->seed);

  for (guint i = 0; i < 20; i++)
    {
      ub_emu_session_feed (s, (const guint8 *) "getvar:product", 14);
      ub_emu_session_feed (s, (const guint8 *) "download:00010000", 17);
      ub_emu_session_feed (s, img, 30000);
      ub_emu_session_feed (s, img + 30000, 65536 - 30000);
      ub_emu_session_feed (s, (const guint8 *) "flash:userdata", 14);
    }
  args->ok = okays == 60;
  return NULL;
}

static void
test_threads (Fixture       *fx,
              gconstpointer  data)
{
  ThreadArgs args[4];
  GThread *threads[4];

  for (guint i = 0; i < 4; i++)
    {
      args[i] = (ThreadArgs) { fx->phone, 100 + i, FALSE };
      threads[i] = g_thread_new ("emu-test", session_thread, &args[i]);
    }
  for (guint i = 0; i < 4; i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (args[i].ok);
    }
  g_assert_cmpuint (ub_emu_phone_get_n_writes (fx->phone), ==, 4 * 20 * 2);
}

/* ---- TCP server, in process -------------------------------------------- */

static GSocketConnection *
tcp_connect (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  return conn;
}

static void
tcp_send (GSocketConnection *conn, const char *payload, gsize len)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  guint64 be = GUINT64_TO_BE ((guint64) len);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out, &be, 8, NULL, NULL, &error);
  g_output_stream_write_all (out, payload, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Returns the payload, or NULL on EOF / timeout. */
static char *
tcp_recv (GSocketConnection *conn, guint timeout_ms)
{
  GSocket *sock = g_socket_connection_get_socket (conn);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  guint64 be;
  gsize got = 0;
  char buf[257];

  g_socket_set_timeout (sock, (timeout_ms + 999) / 1000);
  if (!g_input_stream_read_all (in, &be, 8, &got, NULL, NULL) || got != 8)
    return NULL;
  be = GUINT64_FROM_BE (be);
  g_assert_cmpuint (be, <=, 256);
  if (!g_input_stream_read_all (in, buf, be, &got, NULL, NULL) || got != be)
    return NULL;
  buf[be] = '\0';
  return g_strdup (buf);
}

static void
test_tcp_server (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(UbEmuTcpServer) server = ub_emu_tcp_server_new (fx->phone);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GSocketConnection) stalled = NULL;
  GInputStream *in;
  char hs[4];
  gsize got;
  guint16 port;

  g_assert_true (ub_emu_tcp_server_start (server, 0, &error));
  g_assert_no_error (error);
  port = ub_emu_tcp_server_get_port (server);
  g_assert_cmpuint (port, >, 0);

  conn = tcp_connect (port);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                             "FB01", 4, NULL, NULL, &error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_input_stream_read_all (in, hs, 4, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (hs, 4, "FB01", 4);

  tcp_send (conn, "getvar:product", 14);
  {
    g_autofree char *r = tcp_recv (conn, 5000);
    g_assert_cmpstr (r, ==, "OKAYtestphone");
  }
  /* Download in several frames. */
  tcp_send (conn, "download:00000010", 17);
  {
    g_autofree char *r = tcp_recv (conn, 5000);
    g_assert_cmpstr (r, ==, "DATA00000010");
  }
  tcp_send (conn, "0123456789", 10);
  tcp_send (conn, "abcdef", 6);
  {
    g_autofree char *r = tcp_recv (conn, 5000);
    g_assert_cmpstr (r, ==, "OKAY");
  }
  tcp_send (conn, "reboot", 6);
  {
    g_autofree char *r = tcp_recv (conn, 5000);
    g_autofree char *eof = NULL;
    g_assert_cmpstr (r, ==, "OKAY");
    eof = tcp_recv (conn, 5000);
    g_assert_null (eof);   /* the server closed the connection */
  }

  /* A stalled connection stays open and silent until the server stops. */
  g_assert_true (ub_emu_phone_add_fault (fx->phone, "stall:getvar:serialno", &error));
  stalled = tcp_connect (port);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (stalled)),
                             "FB01", 4, NULL, NULL, &error);
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (stalled)),
                           hs, 4, &got, NULL, &error);
  g_assert_no_error (error);
  tcp_send (stalled, "getvar:serialno", 15);
  {
    GSocket *sock = g_socket_connection_get_socket (stalled);
    g_autoptr(GError) e2 = NULL;
    char c;

    g_socket_set_timeout (sock, 1);
    g_assert_cmpint (g_socket_receive (sock, &c, 1, NULL, &e2), ==, -1);
    g_assert_error (e2, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  }
  ub_emu_tcp_server_stop (server);
  {
    GSocket *sock = g_socket_connection_get_socket (stalled);
    char c;
    g_socket_set_timeout (sock, 5);
    g_assert_cmpint (g_socket_receive (sock, &c, 1, NULL, NULL), ==, 0);  /* EOF */
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/emulator/getvar", test_getvar);
  ADD ("/emulator/getvar-all", test_getvar_all);
  g_test_add ("/emulator/restart-on-lock/oem", Fixture, "oem lock", fixture_setup,
              test_restart_on_lock, fixture_teardown);
  g_test_add ("/emulator/restart-on-lock/flashing", Fixture, "flashing lock", fixture_setup,
              test_restart_on_lock, fixture_teardown);
  g_test_add ("/emulator/default-profile-alioth", Fixture, NULL,
              fixture_setup_default, test_default_profile_matches_alioth, fixture_teardown);
  ADD ("/emulator/partition-files-sparse", test_partition_files_sparse);
  ADD ("/emulator/flash-raw", test_flash_raw);
  ADD ("/emulator/flash-raw-zeros", test_flash_raw_zeros);
  ADD ("/emulator/flash-raw-errors", test_flash_raw_errors);
  ADD ("/emulator/flash-ab", test_flash_ab);
  ADD ("/emulator/flash-sparse", test_flash_sparse);
  ADD ("/emulator/flash-sparse-errors", test_flash_sparse_errors);
  ADD ("/emulator/parallel-deferred-error", test_parallel_deferred_error);
  ADD ("/emulator/locked", test_locked);
  ADD ("/emulator/download-limits", test_download_limits);
  ADD ("/emulator/slots", test_slots);
  ADD ("/emulator/misc-commands", test_misc_commands);
  ADD ("/emulator/reboot", test_reboot);
  ADD ("/emulator/fault/fail", test_fault_fail);
  ADD ("/emulator/fault/stall", test_fault_stall);
  ADD ("/emulator/fault/bytes", test_fault_bytes);
  ADD ("/emulator/fault/data-size", test_fault_data_size);
  ADD ("/emulator/fault/delay", test_fault_delay);
  ADD ("/emulator/fault/deferred", test_fault_deferred);
  g_test_add_func ("/emulator/non-ab-profile", test_non_ab_profile);
  g_test_add_func ("/emulator/bad-profiles", test_bad_profiles);
  g_test_add_func ("/emulator/shipped-profiles", test_shipped_profiles);
  ADD ("/emulator/persistence", test_persistence);
  ADD ("/emulator/threads", test_threads);
  ADD ("/emulator/tcp-server", test_tcp_server);

  return g_test_run ();
}
