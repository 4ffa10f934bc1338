/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Xiaomi's update server ("miotaV3"), as Mi Assistant tools use it for a
 * phone in recovery: the request is the phone's facts as JSON (d, v, c, b,
 * sn, l, f = "1", options.zone, pkg), encrypted (ub-miota-crypto.h) and
 * POSTed as a form "q=<base64>&t=&s=1" over HTTPS; the answer is the same
 * encryption of a JSON object. With pkg = "" it lists the ROMs for the
 * phone (CurrentRom, LatestRom, …); with pkg = a package's MD5 it approves
 * that package for that phone (PkgRom: Validate token, Erase) or refuses
 * (Code.message).
 *
 * Addresses: GSettings "update-server-cn" (ROM zone 1) and
 * "update-server-intl" (any other zone); the environment variable
 * UNBRICK_UPDATE_SERVER (a base URL, e.g. http://127.0.0.1:PORT) replaces
 * both with BASE/updates/miotaV3.php. HTTPS only; plain http only to this
 * machine (ub-online-uri.h). Works without the schema installed.
 *
 * Errors: UB_ONLINE_ERROR_NETWORK (unreachable, HTTP error), BAD_DATA
 * (answer not decryptable / not JSON / too large), REFUSED (the server's
 * Code.message, in the error message), BAD_URL; G_IO_ERROR_CANCELLED.
 */

#include <gio/gio.h>

G_BEGIN_DECLS

/* What the server is asked about: the phone's Mi Assistant facts. */
typedef struct {
  char *device;    /* getdevice: */
  char *version;   /* getversion: */
  char *serial;    /* getsn: */
  char *codebase;  /* getcodebase: (Android version) */
  char *branch;    /* getbranch: */
  char *language;  /* getlanguage: ("en-US" when unknown) */
  char *region;    /* getregion: */
  char *zone;      /* getromzone: "1" China, "2" international */
} UbUpdateQuery;

#define UB_TYPE_UPDATE_QUERY (ub_update_query_get_type ())
GType          ub_update_query_get_type (void) G_GNUC_CONST;
UbUpdateQuery *ub_update_query_new      (void);
UbUpdateQuery *ub_update_query_copy     (const UbUpdateQuery *query);
void           ub_update_query_free     (UbUpdateQuery       *query);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbUpdateQuery, ub_update_query_free)

/* The request JSON (before encryption), for tests and `-v` logs. */
char          *ub_update_query_to_json  (const UbUpdateQuery *query,
                                         const char          *pkg_md5);

/* One ROM the server offers. */
#define UB_TYPE_UPDATE_ROM (ub_update_rom_get_type ())
G_DECLARE_FINAL_TYPE (UbUpdateRom, ub_update_rom, UB, UPDATE_ROM, GObject)

/* "CurrentRom", "LatestRom", "CrossRom", … (the answer's key) */
const char  *ub_update_rom_get_kind      (UbUpdateRom *self);
const char  *ub_update_rom_get_filename  (UbUpdateRom *self);
const char  *ub_update_rom_get_version   (UbUpdateRom *self);
/* full MD5, lower-case hex (32 digits) */
const char  *ub_update_rom_get_md5       (UbUpdateRom *self);
/* "13.0" */
const char  *ub_update_rom_get_codebase  (UbUpdateRom *self);
const char  *ub_update_rom_get_branch    (UbUpdateRom *self);
/* "MIUI 14", "Xiaomi HyperOS 1.0" … may be NULL */
const char  *ub_update_rom_get_name      (UbUpdateRom *self);
/* The server's "filesize" text ("4.1G") and its approximate bytes (0 when unknown). */
const char  *ub_update_rom_get_size_text (UbUpdateRom *self);
guint64      ub_update_rom_get_size_hint (UbUpdateRom *self);
/* TRUE for the ROM the phone runs now (CurrentRom). */
gboolean     ub_update_rom_get_is_current (UbUpdateRom *self);
/* "<mirror>/<version>/<filename>" for each of @mirrors (NULL-terminated). */
char       **ub_update_rom_dup_urls      (UbUpdateRom        *self,
                                          const char * const *mirrors);

/* Xiaomi's approval of one package for one phone. */
#define UB_TYPE_ROM_APPROVAL (ub_rom_approval_get_type ())
G_DECLARE_FINAL_TYPE (UbRomApproval, ub_rom_approval, UB, ROM_APPROVAL, GObject)

/* The MD5 the approval is for (PkgRom.md5, else the one asked about). */
const char  *ub_rom_approval_get_md5      (UbRomApproval *self);
/* PkgRom.Validate: the token for sideload-host (opaque). */
const char  *ub_rom_approval_get_token    (UbRomApproval *self);
/* PkgRom.Erase == 1: installing erases the phone's data. */
gboolean     ub_rom_approval_get_erase    (UbRomApproval *self);
const char  *ub_rom_approval_get_filename (UbRomApproval *self);
const char  *ub_rom_approval_get_version  (UbRomApproval *self);

#define UB_TYPE_UPDATE_SERVER (ub_update_server_get_type ())
G_DECLARE_FINAL_TYPE (UbUpdateServer, ub_update_server, UB, UPDATE_SERVER, GObject)

/* Addresses from the environment / settings (see above). */
UbUpdateServer *ub_update_server_new            (void);
/* Explicit addresses (tests); NULL keeps the default for that zone. */
void            ub_update_server_set_urls       (UbUpdateServer *self,
                                                 const char     *cn_url,
                                                 const char     *intl_url);
/* One server for both zones: @base (e.g. http://127.0.0.1:PORT, trailing
 * slashes ignored) + /updates/miotaV3.php, as UNBRICK_UPDATE_SERVER does. */
void            ub_update_server_set_base_url   (UbUpdateServer *self,
                                                 const char     *base);
/* The address asked for a phone in @zone. */
const char     *ub_update_server_get_url        (UbUpdateServer *self,
                                                 const char     *zone);

/* The full ROMs the server offers for the phone (pkg = ""), the one it runs
 * now first, then the others newest first; duplicates (same MD5) once.
 * Incremental packages are left out. A GPtrArray of UbUpdateRom (may be
 * empty). Blocking. */
GPtrArray      *ub_update_server_list_roms      (UbUpdateServer      *self,
                                                 const UbUpdateQuery *query,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
void            ub_update_server_list_roms_async  (UbUpdateServer      *self,
                                                   const UbUpdateQuery *query,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GPtrArray      *ub_update_server_list_roms_finish (UbUpdateServer      *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Asks approval for the package whose MD5 is @md5 (32 hex digits). No
 * PkgRom.Validate in the answer → UB_ONLINE_ERROR_REFUSED with the
 * server's Code.message in plain words. Blocking. */
UbRomApproval  *ub_update_server_approve        (UbUpdateServer      *self,
                                                 const UbUpdateQuery *query,
                                                 const char          *md5,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
void            ub_update_server_approve_async  (UbUpdateServer      *self,
                                                 const UbUpdateQuery *query,
                                                 const char          *md5,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
UbRomApproval  *ub_update_server_approve_finish (UbUpdateServer      *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
