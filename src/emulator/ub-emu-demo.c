/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "ub-emu-demo.h"
#include "ub-emu-tcp-server.h"
#include "ub-file.h"
#include "ub-sparse-image.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define BLOCK 4096u
#define BUFFER_SIZE MIB

struct _UbEmuDemo
{
  GObject         parent_instance;

  char           *dir;        /* the temporary folder */
  char           *phone_dir;  /* dir/phone: partitions, writes.log */
  char           *address;
  guint64         rate;
  UbEmuPhone     *phone;
  UbEmuTcpServer *server;
};

G_DEFINE_FINAL_TYPE (UbEmuDemo, ub_emu_demo, G_TYPE_OBJECT)

/* ---- the ROM ------------------------------------------------------------- */

/* Raw images: the first @data_percent is pseudo-random, the rest zeros (ELF padding). */
typedef struct {
  const char *name;
  guint32     size;
  guint       data_percent;
} RawImage;

static const RawImage raw_images[] = {
  { "abl.elf",           200 * KIB + 321,   100 },
  { "xbl.elf",           3528 * KIB + 999,  90 },
  { "xbl_config.elf",    216 * KIB,         85 },
  { "aop.mbn",           228 * KIB,         90 },
  { "tz.mbn",            3180 * KIB,        95 },
  { "devcfg.mbn",        52 * KIB,          100 },
  { "featenabler.mbn",   88 * KIB,          100 },
  { "hyp.mbn",           476 * KIB,         90 },
  { "uefi_sec.mbn",      124 * KIB,         100 },
  { "NON-HLOS.bin",      20 * MIB,          80 },
  { "BTFM.bin",          920 * KIB,         85 },
  { "dspso.bin",         8 * MIB,           70 },
  { "km41.mbn",          300 * KIB,         90 },
  { "qupv3fw.elf",       60 * KIB,          100 },
  { "multi_image.mbn",   16 * KIB,          100 },
  { "storsec.mbn",       24 * KIB,          100 },
  { "imagefv.elf",       96 * KIB,          100 },
  { "vendor_boot.img",   16 * MIB,          60 },
  { "dtbo.img",          8 * MIB,           60 },
  { "vbmeta.img",        8 * KIB,           50 },
  { "vbmeta_system.img", 4 * KIB,           50 },
  { "misc.img",          8 * KIB,           25 },
  { "boot.img",          24 * MIB,          70 },
};

/* Sparse images: chunks in KiB (whole blocks); DONT_CARE pads to the expanded size. */
typedef struct {
  guint16 type;
  guint32 kib;
  guint32 fill;
} Chunk;

typedef struct {
  const char  *name;
  guint32      expanded_mib;
  const Chunk *chunks;
} SparseImage;

static const Chunk super_chunks[] = {
  { UB_SPARSE_CHUNK_RAW, 4 * KIB, 0 },
  { UB_SPARSE_CHUNK_FILL, 28 * KIB, 0 },
  { UB_SPARSE_CHUNK_RAW, 12 * KIB, 0 },
  { UB_SPARSE_CHUNK_FILL, 1 * KIB, 0xffffffff },
  { UB_SPARSE_CHUNK_DONT_CARE, 96 * KIB, 0 },
  { UB_SPARSE_CHUNK_RAW, 10 * KIB, 0 },
  { UB_SPARSE_CHUNK_FILL, 8 * KIB, 0 },
  { UB_SPARSE_CHUNK_RAW, 6 * KIB, 0 },
  { 0, 0, 0 },
};

static const Chunk cust_chunks[] = {
  { UB_SPARSE_CHUNK_RAW, 1 * KIB, 0 },
  { UB_SPARSE_CHUNK_DONT_CARE, 15 * KIB, 0 },
  { UB_SPARSE_CHUNK_RAW, 2 * KIB, 0 },
  { UB_SPARSE_CHUNK_DONT_CARE, 40 * KIB, 0 },
  { UB_SPARSE_CHUNK_RAW, 1 * KIB, 0 },
  { 0, 0, 0 },
};

static const Chunk metadata_chunks[] = {
  { UB_SPARSE_CHUNK_RAW, 64, 0 },
  { UB_SPARSE_CHUNK_DONT_CARE, 4 * KIB, 0 },
  { UB_SPARSE_CHUNK_RAW, 16, 0 },
  { 0, 0, 0 },
};

static const Chunk userdata_chunks[] = {
  { UB_SPARSE_CHUNK_RAW, 2 * KIB, 0 },
  { UB_SPARSE_CHUNK_DONT_CARE, 126 * KIB, 0 },
  { UB_SPARSE_CHUNK_FILL, 256, 0xdeadbeef },
  { UB_SPARSE_CHUNK_RAW, 2 * KIB, 0 },
  { 0, 0, 0 },
};

static const SparseImage sparse_images[] = {
  { "super.img",    384, super_chunks },
  { "cust.img",     64,  cust_chunks },
  { "metadata.img", 16,  metadata_chunks },
  { "userdata.img", 256, userdata_chunks },
};

/* Which scripts have a step. */
enum {
  IN_CLEAN = 1 << 0,
  IN_KEEP  = 1 << 1,
  IN_LOCK  = 1 << 2,
  IN_ALL   = IN_CLEAN | IN_KEEP | IN_LOCK,
  IN_WIPE  = IN_CLEAN | IN_LOCK,     /* steps that erase the user's data */
};

typedef struct {
  const char *partition;
  const char *file;       /* NULL: erase */
  const char *what;       /* the echo's name */
  guint       scripts;
} Step;

/* The order of a real A/B Xiaomi script (piano, liuqin), on alioth's partitions. */
static const Step steps[] = {
  { "boot_ab", NULL, "boot", IN_ALL },
  { "abl_ab", "abl.elf", "abl", IN_ALL },
  { "xbl_ab", "xbl.elf", "xbl", IN_ALL },
  { "xbl_config_ab", "xbl_config.elf", "xbl_config", IN_ALL },
  { "aop_ab", "aop.mbn", "aop", IN_ALL },
  { "tz_ab", "tz.mbn", "tz", IN_ALL },
  { "devcfg_ab", "devcfg.mbn", "devcfg", IN_ALL },
  { "featenabler_ab", "featenabler.mbn", "featenabler", IN_ALL },
  { "hyp_ab", "hyp.mbn", "hyp", IN_ALL },
  { "uefisecapp_ab", "uefi_sec.mbn", "uefisecapp", IN_ALL },
  { "modem_ab", "NON-HLOS.bin", "modem", IN_ALL },
  { "bluetooth_ab", "BTFM.bin", "bluetooth", IN_ALL },
  { "dsp_ab", "dspso.bin", "dsp", IN_ALL },
  { "keymaster_ab", "km41.mbn", "keymaster", IN_ALL },
  { "qupfw_ab", "qupv3fw.elf", "qupfw", IN_ALL },
  { "multiimgoem_ab", "multi_image.mbn", "multiimgoem", IN_ALL },
  { "storsec", "storsec.mbn", "storsec", IN_ALL },
  { "imagefv_ab", NULL, "imagesfv", IN_ALL },
  { "imagefv_ab", "imagefv.elf", "imagefv", IN_ALL },
  { "super", "super.img", "super", IN_ALL },
  { "vendor_boot_ab", "vendor_boot.img", "vendor_boot", IN_ALL },
  { "dtbo_ab", "dtbo.img", "dtbo", IN_ALL },
  { "vbmeta_ab", "vbmeta.img", "vbmeta", IN_ALL },
  { "vbmeta_system_ab", "vbmeta_system.img", "vbmeta_system", IN_ALL },
  { "cust", "cust.img", "cust", IN_ALL },
  { "metadata", NULL, "metadata", IN_WIPE },
  { "metadata", "metadata.img", "metadata", IN_WIPE },
  { "userdata", "userdata.img", "userdata", IN_WIPE },
  { "misc", "misc.img", "misc", IN_ALL },
  { "boot_ab", "boot.img", "boot", IN_ALL },
};

#define ANTI_VERSION "1"
#define SECURITY_PATCH "2023-08-01"
#define USERDATA_VERSION "20230815.0000.00"

/* What was written for an image. */
typedef struct {
  char    *md5;
  guint32  crc;     /* zlib crc32 of the data it puts on the partition */
  gboolean sparse;
} Written;

static void
written_free (Written *w)
{
  g_free (w->md5);
  g_free (w);
}

/* splitmix64: cheap, deterministic, good enough to look like firmware */
static void
fill_random (guint64 *state,
             guint8  *buf,
             gsize    len)
{
  for (gsize i = 0; i < len; i += 8)
    {
      guint64 z = (*state += 0x9e3779b97f4a7c15ull);

      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      memcpy (buf + i, &z, MIN ((gsize) 8, len - i));
    }
}

static guint64
seed_for (const char *name)
{
  guint64 h = 0xcbf29ce484222325ull;

  for (const char *c = name; *c; c++)
    h = (h ^ (guint8) *c) * 0x100000001b3ull;
  return h;
}

typedef struct {
  GFileOutputStream *out;
  GChecksum         *md5;
  guint8            *buf;
  guint64            state;
} Writer;

static gboolean
writer_open (Writer      *w,
             const char  *path,
             const char  *name,
             GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  w->out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  if (w->out == NULL)
    return FALSE;
  w->md5 = g_checksum_new (G_CHECKSUM_MD5);
  w->buf = g_malloc (BUFFER_SIZE);
  w->state = seed_for (name);
  return TRUE;
}

static void
writer_clear (Writer *w)
{
  g_clear_object (&w->out);
  g_clear_pointer (&w->md5, g_checksum_free);
  g_clear_pointer (&w->buf, g_free);
}

static gboolean
writer_put (Writer        *w,
            const void    *data,
            gsize          len,
            GError       **error)
{
  g_checksum_update (w->md5, data, len);
  return g_output_stream_write_all (G_OUTPUT_STREAM (w->out), data, len, NULL, NULL, error);
}

/* @len pseudo-random bytes, added to *crc too. */
static gboolean
writer_put_random (Writer   *w,
                   guint64   len,
                   uLong    *crc,
                   GError  **error)
{
  while (len > 0)
    {
      gsize n = (gsize) MIN (len, (guint64) BUFFER_SIZE);

      fill_random (&w->state, w->buf, n);
      *crc = crc32 (*crc, w->buf, (uInt) n);
      if (!writer_put (w, w->buf, n, error))
        return FALSE;
      len -= n;
    }
  return TRUE;
}

/* Closes the file, made @size bytes long when not 0 (the tail a hole), and
 * clears @w; returns what was written, NULL on error. */
static Written *
writer_finish (Writer   *w,
               guint64   size,
               uLong     crc,
               gboolean  sparse,
               GError  **error)
{
  Written *result = NULL;

  if ((size == 0 || g_seekable_truncate (G_SEEKABLE (w->out), (goffset) size, NULL, error)) &&
      g_output_stream_close (G_OUTPUT_STREAM (w->out), NULL, error))
    {
      result = g_new0 (Written, 1);
      result->md5 = g_strdup (g_checksum_get_string (w->md5));
      result->crc = (guint32) crc;
      result->sparse = sparse;
    }
  writer_clear (w);
  return result;
}

static Written *
write_raw_image (const char      *dir,
                 const RawImage  *image,
                 GError         **error)
{
  g_autofree char *path = g_build_filename (dir, image->name, NULL);
  Writer w = { 0 };
  guint64 data = (guint64) image->size * image->data_percent / 100;
  guint64 zeros = image->size - data;
  uLong crc = crc32 (0, NULL, 0);

  if (!writer_open (&w, path, image->name, error))
    return NULL;
  if (!writer_put_random (&w, data, &crc, error))
    {
      writer_clear (&w);
      return NULL;
    }
  /* the zero tail stays a hole: only checksummed */
  memset (w.buf, 0, BUFFER_SIZE);
  for (guint64 left = zeros; left > 0;)
    {
      gsize n = (gsize) MIN (left, (guint64) BUFFER_SIZE);

      g_checksum_update (w.md5, w.buf, n);
      crc = crc32 (crc, w.buf, (uInt) n);
      left -= n;
    }
  return writer_finish (&w, image->size, crc, FALSE, error);
}

static void
put_le16 (guint8  *p,
          guint16  v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put_le32 (guint8  *p,
          guint32  v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static gboolean
put_chunk_header (Writer   *w,
                  guint16   type,
                  guint32   blocks,
                  guint32   total_size,
                  GError  **error)
{
  guint8 h[UB_SPARSE_CHUNK_HEADER_SIZE];

  put_le16 (h, type);
  put_le16 (h + 2, 0);
  put_le32 (h + 4, blocks);
  put_le32 (h + 8, total_size);
  return writer_put (w, h, sizeof h, error);
}

/* An Android sparse image, block size 4096, as img2simg/e2fsdroid write them. */
static Written *
write_sparse_image (const char         *dir,
                    const SparseImage  *image,
                    GError            **error)
{
  g_autofree char *path = g_build_filename (dir, image->name, NULL);
  Writer w = { 0 };
  guint32 total_blocks = image->expanded_mib * (MIB / BLOCK);
  guint32 used = 0, n_chunks = 0;
  guint8 header[UB_SPARSE_HEADER_SIZE];
  uLong crc = crc32 (0, NULL, 0);

  for (const Chunk *c = image->chunks; c->kib != 0; c++)
    {
      used += c->kib * KIB / BLOCK;
      n_chunks++;
    }
  g_assert (used <= total_blocks);
  if (used < total_blocks)
    n_chunks++;   /* the DONT_CARE tail */

  put_le32 (header, UB_SPARSE_MAGIC);
  put_le16 (header + 4, 1);
  put_le16 (header + 6, 0);
  put_le16 (header + 8, UB_SPARSE_HEADER_SIZE);
  put_le16 (header + 10, UB_SPARSE_CHUNK_HEADER_SIZE);
  put_le32 (header + 12, BLOCK);
  put_le32 (header + 16, total_blocks);
  put_le32 (header + 20, n_chunks);
  put_le32 (header + 24, 0);

  if (!writer_open (&w, path, image->name, error))
    return NULL;
  if (!writer_put (&w, header, sizeof header, error))
    goto fail;
  for (const Chunk *c = image->chunks; c->kib != 0; c++)
    {
      guint32 blocks = c->kib * KIB / BLOCK;
      guint64 bytes = (guint64) blocks * BLOCK;

      switch (c->type)
        {
        case UB_SPARSE_CHUNK_RAW:
          if (!put_chunk_header (&w, c->type, blocks, UB_SPARSE_CHUNK_HEADER_SIZE + bytes, error) ||
              !writer_put_random (&w, bytes, &crc, error))
            goto fail;
          break;
        case UB_SPARSE_CHUNK_FILL:
          {
            guint8 pattern[4];

            put_le32 (pattern, c->fill);
            if (!put_chunk_header (&w, c->type, blocks, UB_SPARSE_CHUNK_HEADER_SIZE + 4, error) ||
                !writer_put (&w, pattern, 4, error))
              goto fail;
            /* sparsecrclist covers the filled bytes too */
            for (gsize i = 0; i < BUFFER_SIZE; i += 4)
              memcpy (w.buf + i, pattern, 4);
            for (guint64 left = bytes; left > 0;)
              {
                gsize n = (gsize) MIN (left, (guint64) BUFFER_SIZE);
                crc = crc32 (crc, w.buf, (uInt) n);
                left -= n;
              }
          }
          break;
        default:
          if (!put_chunk_header (&w, UB_SPARSE_CHUNK_DONT_CARE, blocks, UB_SPARSE_CHUNK_HEADER_SIZE,
                                 error))
            goto fail;
          break;
        }
    }
  if (used < total_blocks &&
      !put_chunk_header (&w, UB_SPARSE_CHUNK_DONT_CARE, total_blocks - used,
                         UB_SPARSE_CHUNK_HEADER_SIZE, error))
    goto fail;
  return writer_finish (&w, 0, crc, TRUE, error);

fail:
  writer_clear (&w);
  return NULL;
}

static gboolean
write_text (const char  *dir,
            const char  *name,
            const char  *text,
            GHashTable  *written,
            GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (!g_file_set_contents (path, text, -1, error))
    return FALSE;
  if (written != NULL)
    {
      Written *w = g_new0 (Written, 1);

      w->md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
      g_hash_table_insert (written, g_strdup (name), w);
    }
  return TRUE;
}

static char *
base_partition (const char *partition)
{
  if (g_str_has_suffix (partition, "_ab"))
    return g_strndup (partition, strlen (partition) - 3);
  return g_strdup (partition);
}

/* flash_gen_crc_list.py's lists: raw images whole, sparse ones per piece (one piece each here). */
static gboolean
write_crc_lists (const char  *images,
                 GHashTable  *written,
                 GError     **error)
{
  g_autoptr(GString) crc = g_string_new ("CRC-LIST\n");
  g_autoptr(GString) sparse = g_string_new ("SPARSECRC-LIST\n");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *base = NULL;
      Written *w;

      if (steps[i].file == NULL)
        continue;
      base = base_partition (steps[i].partition);
      if (!g_hash_table_add (seen, g_strdup (base)))
        continue;
      w = g_hash_table_lookup (written, steps[i].file);
      if (w->sparse)
        g_string_append_printf (sparse, "%s 1 0x%x\n", base, w->crc);
      else
        g_string_append_printf (crc, "%s 0x%x\n", base, w->crc);
    }
  return write_text (images, "crclist.txt", crc->str, written, error) &&
         write_text (images, "sparsecrclist.txt", sparse->str, written, error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
write_md5sums (const char  *rom,
               GHashTable  *written,
               GError     **error)
{
  g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\" ?>\n<root>\n  <digests>\n");
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree char *path = g_build_filename (rom, "md5sum.xml", NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, written);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      Written *w = g_hash_table_lookup (written, name);

      g_string_append_printf (xml, "    <digest hash=\"md5\" name=\"%s\">%s</digest>\n", name, w->md5);
    }
  g_string_append (xml, "  </digests>\n"
                        "  <security-patch-level>\n"
                        "    <level>PLATFORM_SECURITY_PATCH := " SECURITY_PATCH "</level>\n"
                        "  </security-patch-level>\n"
                        "</root>\n");
  return g_file_set_contents (path, xml->str, -1, error);
}

/* The statements of Xiaomi's own scripts (tests/fixtures/xiaomi/scripts, piano and liuqin). */
static char *
script_text (const char *product,
             guint       script)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "fastboot $* getvar product 2>&1 | grep \"^product: *%s\"\n", product);
  g_string_append (s,
    "if [ $? -ne 0  ] ; then echo \"Missmatching image and device\"; exit 1; fi\n"
    "\n"
    "# MIUI ADD:BSPSecurity_MIUIBSPSecurityFrame\n"
    "#check anti_version\n"
    "if [ -e $(dirname $0)/images/anti_version.txt ]; then\n"
    "CURRENT_ANTI_VER=`cat $(dirname $0)/images/anti_version.txt`\n"
    "fi\n"
    "if [ -z \"$CURRENT_ANTI_VER\" ]; then CURRENT_ANTI_VER=0; fi\n"
    "ver=`fastboot $* getvar anti 2>&1 | grep -oP \"anti: \\K[0-9]+\"`\n"
    "if [ -z \"$ver\" ]; then ver=0; fi\n"
    "if [ $ver -gt $CURRENT_ANTI_VER ]; then echo \"Current device antirollback version is "
    "greater than this pakcage\"; exit 1; fi\n"
    "# END BSPSecurity_MIUIBSPSecurityFrame\n");
  if (script == IN_KEEP)
    g_string_append (s,
      "\n"
      "#check security patch level\n"
      "if [ -e $(dirname $0)/images/platform_security_patch.txt ]; then\n"
      "PACKAGE_SECURITY_PATCH_LEVEL_VER=`cat $(dirname $0)/images/platform_security_patch.txt`\n"
      "SECURITY_PATCH_LEVEL_VER=$(date -d \"$PACKAGE_SECURITY_PATCH_LEVEL_VER\" +%s);\n"
      "fi\n"
      "ver_string=`fastboot $* getvar security-patch-level 2>&1 | grep -oP "
      "\"security-patch-level: \\K\\d+(-\\d+)*\"`\n"
      "if [ -z \"$ver_string\" ]; then ver=0;\n"
      "else\n"
      "ver=$(date -d \"$ver_string\" +%s);\n"
      "fi\n"
      "if [ $ver -gt $SECURITY_PATCH_LEVEL_VER ]; then\n"
      "echo \"Current device security patch level version($ver_string) is greater than this "
      "pakcage($PACKAGE_SECURITY_PATCH_LEVEL_VER)\";\n"
      "exit 1;\n"
      "fi\n");
  g_string_append (s,
    "\n"
    "fastboot $* getvar crc 2>&1 | grep \"^crc: 1\"\n"
    "if [ $? -eq 0 ]; then\n"
    "fastboot $* flash crclist `dirname $0`/images/crclist.txt\n"
    "if [ $? -ne 0 ] ; then echo \"Flash crclist error\"; exit 1; fi\n"
    "fastboot $* flash sparsecrclist `dirname $0`/images/sparsecrclist.txt\n"
    "if [ $? -ne 0 ] ; then echo \"Flash sparsecrclist error\"; exit 1; fi\n"
    "fi\n"
    "\n");
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      if ((steps[i].scripts & script) == 0)
        continue;
      if (steps[i].file == NULL)
        g_string_append_printf (s, "fastboot $* erase %s\n"
                                   "if [ $? -ne 0 ] ; then echo \"Erase %s error\"; exit 1; fi\n",
                                steps[i].partition, steps[i].what);
      else
        g_string_append_printf (s, "fastboot $* flash %s `dirname $0`/images/%s\n"
                                   "if [ $? -ne 0 ] ; then echo \"Flash %s error\"; exit 1; fi\n",
                                steps[i].partition, steps[i].file, steps[i].what);
    }
  g_string_append (s,
    "fastboot $* set_active a\n"
    "if [ $? -ne 0 ] ; then echo \"set_active a error\"; exit 1; fi\n");
  /* the lock script's last check keeps the real one's copy-pasted echo */
  g_string_append (s, script == IN_LOCK ? "fastboot $* oem lock\n" : "fastboot $* reboot\n");
  g_string_append (s, "if [ $? -ne 0 ] ; then echo \"Reboot error\"; exit 1; fi\n");
  return g_string_free (s, FALSE);
}

static gboolean
write_script (const char  *rom,
              const char  *name,
              const char  *product,
              guint        script,
              GError     **error)
{
  g_autofree char *path = g_build_filename (rom, name, NULL);
  g_autofree char *text = script_text (product, script);

  if (!g_file_set_contents (path, text, -1, error))
    return FALSE;
  g_chmod (path, 0755);
  return TRUE;
}

static gboolean
valid_product (const char *product)
{
  if (product[0] == '\0' || strlen (product) > 32)
    return FALSE;
  for (const char *c = product; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '_')
      return FALSE;
  return TRUE;
}

char *
ub_emu_demo_write_rom (UbEmuDemo   *self,
                       const char  *product,
                       GError     **error)
{
  g_autoptr(GHashTable) written = NULL;
  g_autofree char *device_code = NULL;
  g_autofree char *name = NULL;
  g_autofree char *rom = NULL;
  g_autofree char *images = NULL;
  g_autofree char *misc = NULL;
  g_autofree char *version = NULL;

  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);

  if (product == NULL)
    product = "alioth";
  if (!valid_product (product))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a phone code name (letters, digits and _ only).", product);
      return NULL;
    }

  /* V14.0.8.0.T<device><region>XM: alioth's device letters are KH, MI is global */
  device_code = g_str_equal (product, "alioth") || strlen (product) < 2
                  ? g_strdup ("KH") : g_ascii_strup (product, 2);
  version = g_strdup_printf ("V14.0.8.0.T%sMIXM", device_code);
  name = g_strdup_printf ("%s_global_images_%s_13.0", product, version);
  rom = g_build_filename (self->dir, name, NULL);
  images = g_build_filename (rom, "images", NULL);

  ub_file_remove_tree (rom, NULL);
  if (g_mkdir_with_parents (images, 0755) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot create the demo ROM folder %s: %s", images, g_strerror (errsv));
      return NULL;
    }

  written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) written_free);
  for (gsize i = 0; i < G_N_ELEMENTS (raw_images); i++)
    {
      Written *w = write_raw_image (images, &raw_images[i], error);
      if (w == NULL)
        return NULL;
      g_hash_table_insert (written, g_strdup (raw_images[i].name), w);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (sparse_images); i++)
    {
      Written *w = write_sparse_image (images, &sparse_images[i], error);
      if (w == NULL)
        return NULL;
      g_hash_table_insert (written, g_strdup (sparse_images[i].name), w);
    }
  misc = g_strdup_printf ("device=%s\nbuild_number=%s\nuserdata_version=" USERDATA_VERSION "\n",
                          product, version);
  if (!write_crc_lists (images, written, error) ||
      !write_text (images, "anti_version.txt", ANTI_VERSION "\n", written, error) ||
      !write_text (images, "platform_security_patch.txt", SECURITY_PATCH "\n", written, error) ||
      !write_md5sums (rom, written, error) ||
      !write_text (rom, "misc.txt", misc, NULL, error) ||
      !write_script (rom, "flash_all.sh", product, IN_CLEAN, error) ||
      !write_script (rom, "flash_all_except_storage.sh", product, IN_KEEP, error) ||
      !write_script (rom, "flash_all_lock.sh", product, IN_LOCK, error))
    return NULL;
  return g_steal_pointer (&rom);
}

/* ---- the phone ----------------------------------------------------------- */

static void
apply_rate (UbEmuDemo *self)
{
  g_autofree char *spec = g_strdup_printf ("rate:%" G_GUINT64_FORMAT, self->rate);

  ub_emu_phone_add_fault (self->phone, spec, NULL);
}

static gboolean
start_phone (UbEmuDemo  *self,
             guint16     port,
             GError    **error)
{
  g_autoptr(GError) local = NULL;

  self->phone = ub_emu_phone_new (NULL, self->phone_dir, error);
  if (self->phone == NULL)
    return FALSE;
  apply_rate (self);
  self->server = ub_emu_tcp_server_new (self->phone);
  if (!ub_emu_tcp_server_start (self->server, port, &local))
    {
      if (port == 0 || !ub_emu_tcp_server_start (self->server, 0, NULL))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  g_free (self->address);
  self->address = g_strdup_printf ("tcp:127.0.0.1:%u", ub_emu_tcp_server_get_port (self->server));
  return TRUE;
}

static void
stop_phone (UbEmuDemo *self)
{
  if (self->server != NULL)
    ub_emu_tcp_server_stop (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->phone);
}

static void
ub_emu_demo_dispose (GObject *object)
{
  UbEmuDemo *self = UB_EMU_DEMO (object);

  stop_phone (self);
  if (self->dir != NULL)
    ub_file_remove_tree (self->dir, NULL);
  g_clear_pointer (&self->dir, g_free);

  G_OBJECT_CLASS (ub_emu_demo_parent_class)->dispose (object);
}

static void
ub_emu_demo_finalize (GObject *object)
{
  UbEmuDemo *self = UB_EMU_DEMO (object);

  g_free (self->phone_dir);
  g_free (self->address);

  G_OBJECT_CLASS (ub_emu_demo_parent_class)->finalize (object);
}

static void
ub_emu_demo_class_init (UbEmuDemoClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ub_emu_demo_dispose;
  G_OBJECT_CLASS (klass)->finalize = ub_emu_demo_finalize;
}

static void
ub_emu_demo_init (UbEmuDemo *self)
{
}

UbEmuDemo *
ub_emu_demo_new (GError **error)
{
  g_autoptr(UbEmuDemo) self = g_object_new (UB_TYPE_EMU_DEMO, NULL);

  self->dir = g_dir_make_tmp ("unbrick-demo-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  self->phone_dir = g_build_filename (self->dir, "phone", NULL);
  if (!start_phone (self, 0, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
ub_emu_demo_get_address (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->address;
}

const char *
ub_emu_demo_get_dir (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->dir;
}

UbEmuPhone *
ub_emu_demo_get_phone (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->phone;
}

void
ub_emu_demo_set_rate (UbEmuDemo *self,
                      guint64    bytes_per_second)
{
  g_return_if_fail (UB_IS_EMU_DEMO (self));

  self->rate = bytes_per_second;
  if (self->phone != NULL)
    apply_rate (self);
}

gboolean
ub_emu_demo_reset (UbEmuDemo  *self,
                   GError    **error)
{
  guint16 port;

  g_return_val_if_fail (UB_IS_EMU_DEMO (self), FALSE);
  g_return_val_if_fail (self->dir != NULL, FALSE);

  port = self->server != NULL ? ub_emu_tcp_server_get_port (self->server) : 0;
  stop_phone (self);
  ub_file_remove_tree (self->phone_dir, NULL);
  return start_phone (self, port, error);
}
