/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The fastboot client's response handling: a device played from fuzzed
 * packets (UbFuzzTransport) answers a fixed series of operations: getvar,
 * getvar:all, max-download-size, the slot rule, download, flash of a raw
 * and of a sparse image (partition-size check, split), erase, oem,
 * set_active, flashing, reboot. Each operation gets a fresh client, so one
 * that lost step does not keep the others from running.
 */
#include "config.h"

#include <string.h>

#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-fuzz.h"
#include "ub-fuzz-transport.h"

static char *raw_path;
static char *sparse_path;

static void
put_le32 (guint8 *p, guint32 v)
{
  p[0] = v;
  p[1] = v >> 8;
  p[2] = v >> 16;
  p[3] = v >> 24;
}

static void
put_le16 (guint8 *p, guint16 v)
{
  p[0] = v;
  p[1] = v >> 8;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  guint8 raw[3 * 4096 + 100];
  guint8 sparse[28 + 12 + 4096 + 12 + 4 + 12];
  guint8 *c = sparse + 28;

  ub_fuzz_quiet_logs ();
  for (gsize i = 0; i < sizeof raw; i++)
    raw[i] = i < 4096 ? 0 : (guint8) (i * 7);
  raw_path = g_build_filename (ub_fuzz_tmp_dir (), "raw.img", NULL);
  ub_fuzz_write_file (raw_path, raw, sizeof raw);

  /* a sparse image: 1 raw block, 2 fill blocks, 5 don't-care blocks */
  memset (sparse, 0, sizeof sparse);
  put_le32 (sparse, 0xed26ff3a);
  put_le16 (sparse + 4, 1);
  put_le16 (sparse + 8, 28);
  put_le16 (sparse + 10, 12);
  put_le32 (sparse + 12, 4096);
  put_le32 (sparse + 16, 8);
  put_le32 (sparse + 20, 3);
  put_le16 (c, 0xcac1);
  put_le32 (c + 4, 1);
  put_le32 (c + 8, 12 + 4096);
  memset (c + 12, 0x5a, 4096);
  c += 12 + 4096;
  put_le16 (c, 0xcac2);
  put_le32 (c + 4, 2);
  put_le32 (c + 8, 16);
  put_le32 (c + 12, 0xdeadbeef);
  c += 16;
  put_le16 (c, 0xcac3);
  put_le32 (c + 4, 5);
  put_le32 (c + 8, 12);
  sparse_path = g_build_filename (ub_fuzz_tmp_dir (), "sparse.img", NULL);
  ub_fuzz_write_file (sparse_path, sparse, sizeof sparse);
  return 0;
}

typedef enum {
  OP_GETVAR,
  OP_GETVAR_ALL,
  OP_MAX_DOWNLOAD,
  OP_RESOLVE,
  OP_DOWNLOAD,
  OP_FLASH_RAW,
  OP_FLASH_SPARSE,
  OP_ERASE,
  OP_OEM,
  OP_SET_ACTIVE,
  OP_FLASHING,
  OP_REBOOT,
  OP_BOOT,
  N_OPS
} Op;

static void
on_info (UbFastbootClient *client, const char *text, gpointer user_data)
{
  guint *n = user_data;

  g_assert_nonnull (text);
  (*n)++;
}

static void
run_op (UbFuzzTransport *transport, Op op)
{
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (transport));
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean ok = FALSE;
  guint n_info = 0;

  g_signal_connect (client, "info", G_CALLBACK (on_info), &n_info);
  ub_fuzz_transport_reopen (transport);
  switch (op)
    {
    case OP_GETVAR:
      value = ub_fastboot_client_getvar (client, "product", NULL, &error);
      ok = value != NULL;
      break;
    case OP_GETVAR_ALL:
      lines = ub_fastboot_client_getvar_all (client, NULL, &error);
      ok = lines != NULL;
      break;
    case OP_MAX_DOWNLOAD:
      ub_fastboot_client_get_max_download_size (client, NULL, &error);
      ok = error == NULL;
      break;
    case OP_RESOLVE:
      value = ub_fastboot_client_resolve_partition (client, "boot", NULL, &error);
      ok = value != NULL;
      if (ok)
        g_assert_true (g_str_has_prefix (value, "boot"));
      break;
    case OP_DOWNLOAD:
      {
        static const guint8 bytes[16] = "0123456789abcdef";
        g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (bytes, sizeof bytes,
                                                                               NULL);
        ok = ub_fastboot_client_download (client, stream, sizeof bytes, NULL, NULL, NULL, &error);
      }
      break;
    case OP_FLASH_RAW:
      ok = ub_fastboot_client_flash (client, "boot", raw_path, NULL, NULL, NULL, &error);
      break;
    case OP_FLASH_SPARSE:
      ok = ub_fastboot_client_flash (client, "system", sparse_path, NULL, NULL, NULL, &error);
      break;
    case OP_ERASE:
      ok = ub_fastboot_client_erase (client, "userdata", NULL, &error);
      break;
    case OP_OEM:
      ok = ub_fastboot_client_oem (client, "device-info", &value, NULL, &error);
      break;
    case OP_SET_ACTIVE:
      ok = ub_fastboot_client_set_active (client, "b", NULL, &error);
      break;
    case OP_FLASHING:
      ok = ub_fastboot_client_flashing (client, "unlock", NULL, &error);
      break;
    case OP_REBOOT:
      ok = ub_fastboot_client_reboot (client, "bootloader", NULL, &error);
      break;
    case OP_BOOT:
      ok = ub_fastboot_client_boot (client, NULL, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  /* every failure explains itself in words, in our domain or GIO's */
  g_assert_true (ok == (error == NULL));
  if (error != NULL)
    {
      g_assert_true (error->domain == UB_FASTBOOT_ERROR || error->domain == G_IO_ERROR);
      g_assert_nonnull (error->message);
      g_assert_cmpuint (strlen (error->message), >, 0);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(UbFuzzTransport) transport = NULL;

  if (raw_path == NULL)
    LLVMFuzzerInitialize (NULL, NULL);
  transport = ub_fuzz_transport_new (data, size);
  /* the first byte picks where the series starts, so each operation can be first */
  for (guint i = 0; i < N_OPS && !ub_fuzz_transport_is_drained (transport); i++)
    run_op (transport, (size > 0 ? data[0] + i : i) % N_OPS);
  return 0;
}
