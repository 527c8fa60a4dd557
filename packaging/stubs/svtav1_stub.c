/* Stand-in for libSvtAv1Enc in NemoDesk's Linux bundle (packaging/slim_linux.py builds it).
 *
 * PyAV's FFmpeg links the SVT-AV1 encoder library (7 MB) although NemoDesk only ever encodes H.264. FFmpeg
 * calls into SVT-AV1 only after opening the libsvtav1 encoder, and gives up with an error as soon as the
 * first call fails; so every entry point here fails, and the handle it hands back is null, which FFmpeg's
 * cleanup skips. The build checks that this file defines every symbol libavcodec imports from the library.
 */
typedef int EbErrorType;
/* EB_ErrorInvalidComponent: FFmpeg reports it as "invalid component" (EINVAL), not as out of memory. */
#define UNAVAILABLE ((EbErrorType)0x80001004)

EbErrorType svt_av1_enc_init_handle(void **p_handle, void *p_app_data, void *config_ptr)
{
    (void)p_app_data;
    (void)config_ptr;
    if (p_handle)
        *p_handle = 0;
    return UNAVAILABLE;
}

EbErrorType svt_av1_enc_set_parameter(void *h, void *c) { (void)h; (void)c; return UNAVAILABLE; }
EbErrorType svt_av1_enc_parse_parameter(void *c, const char *n, const char *v) { (void)c; (void)n; (void)v; return UNAVAILABLE; }
EbErrorType svt_av1_enc_init(void *h) { (void)h; return UNAVAILABLE; }
EbErrorType svt_av1_enc_stream_header(void *h, void **out) { (void)h; if (out) *out = 0; return UNAVAILABLE; }
EbErrorType svt_av1_enc_stream_header_release(void *b) { (void)b; return UNAVAILABLE; }
EbErrorType svt_av1_enc_send_picture(void *h, void *p) { (void)h; (void)p; return UNAVAILABLE; }
EbErrorType svt_av1_enc_get_packet(void *h, void **p, unsigned char done) { (void)h; (void)done; if (p) *p = 0; return UNAVAILABLE; }
void svt_av1_enc_release_out_buffer(void **p) { if (p) *p = 0; }
EbErrorType svt_av1_enc_get_stream_info(void *h, unsigned int t, void *i) { (void)h; (void)t; (void)i; return UNAVAILABLE; }
EbErrorType svt_av1_enc_deinit(void *h) { (void)h; return UNAVAILABLE; }
EbErrorType svt_av1_enc_deinit_handle(void *h) { (void)h; return UNAVAILABLE; }
int svt_add_metadata(void *a, unsigned int t, const unsigned char *d, unsigned long s) { (void)a; (void)t; (void)d; (void)s; return -1; }
void svt_metadata_array_free(void *a) { (void)a; }
