//! H.264 encoding with OpenH264 (built from source).
//!
//! This talks to OpenH264 through `openh264-sys2` rather than the `openh264` crate's
//! `Encoder`, because that wrapper cannot write the colour description (VUI) into the
//! stream, cannot split the picture into slices for OpenH264's threads, and sets its log
//! level only after OpenH264 has already printed its warnings to stderr.
//!
//! The stream: Main profile (CABAC) by default, one reference frame, no B-frames, an IDR
//! frame every `fps` frames (closed GOPs of one second) with SPS and PPS in front of it,
//! every frame encoded (no frame skipping), and a VUI saying BT.709, limited range.

use std::os::raw::{c_int, c_void};
use std::ptr;

use openh264::OpenH264API;
use openh264_sys2 as sys;
use openh264_sys2::API;

use super::yuv::YuvFrame;
use super::{ExportError, VideoSpec};

/// How hard OpenH264 works on each frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Complexity {
    Low,
    Medium,
    High,
}

/// Encoder settings. [`EncoderSettings::for_spec`] gives the ones [`super::export_mp4`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderSettings {
    /// Target bit rate in bits per second (rate-controlled; frames are never skipped).
    pub bitrate: u32,
    pub complexity: Complexity,
    /// Encoder threads, each encoding its own slice of the picture; 1 encodes one slice.
    /// More threads are faster but split the picture, which costs quality.
    pub threads: u16,
    /// CABAC entropy coding (Main profile) instead of CAVLC (Baseline profile).
    pub cabac: bool,
}

/// Bit rate at 1080x1920 and 30 fps: what the platforms recommend for 1080p uploads.
const BITRATE_1080P30: f64 = 9_000_000.0;

impl EncoderSettings {
    /// Settings for `spec`: about 9 Mbit/s at 1080x1920@30, scaled by pixel count and
    /// (less than linearly) by frame rate.
    pub fn for_spec(spec: VideoSpec) -> Self {
        let pixels = spec.width as f64 * spec.height as f64;
        let fps = spec.fps.max(1) as f64;
        let bitrate = BITRATE_1080P30 * (pixels / (1080.0 * 1920.0)) * (fps / 30.0).powf(0.6);
        Self {
            bitrate: bitrate.clamp(300_000.0, 60_000_000.0) as u32,
            complexity: Complexity::Medium,
            // One slice: OpenH264 encodes 1080x1920 at about 70 fps on one core that way,
            // while splitting the picture into two slices (for two threads) costs some
            // 2 dB of PSNR at the same bit rate (benches/export.rs, EXPORT_BENCH_ALL=1).
            threads: 1,
            cabac: true,
        }
    }
}

/// What [`H264Encoder::encode`] made of a frame.
pub(crate) struct EncodedFrame {
    /// Whether it is an IDR frame (then SPS and PPS come first in its bytes).
    pub idr: bool,
}

/// An OpenH264 encoder for one video.
pub(crate) struct H264Encoder {
    api: OpenH264API,
    ptr: *mut sys::ISVCEncoder,
    info: Box<sys::SFrameBSInfo>,
    spec: VideoSpec,
    index: u64,
}

fn check(what: &str, code: c_int) -> Result<(), ExportError> {
    if code == sys::cmResultSuccess {
        Ok(())
    } else {
        Err(ExportError::Encoder(format!(
            "{what} returned OpenH264 error {code}"
        )))
    }
}

impl H264Encoder {
    /// Sets up OpenH264 for `spec` (already validated: even, non-zero, within limits).
    pub(crate) fn new(spec: VideoSpec, settings: &EncoderSettings) -> Result<Self, ExportError> {
        let api = OpenH264API::from_source();
        let mut ptr: *mut sys::ISVCEncoder = ptr::null_mut();
        // SAFETY: WelsCreateSVCEncoder writes a valid encoder pointer or returns an error.
        let code = unsafe { api.WelsCreateSVCEncoder(&mut ptr) };
        if code != 0 || ptr.is_null() {
            return Err(ExportError::Encoder(format!(
                "could not create the encoder (error {code})"
            )));
        }
        let mut enc = Self {
            api,
            ptr,
            info: Box::default(),
            spec,
            index: 0,
        };

        // Quiet before initialising: OpenH264 otherwise prints to stderr.
        let mut level: c_int = sys::WELS_LOG_QUIET as c_int;
        enc.set_option(
            sys::ENCODER_OPTION_TRACE_LEVEL,
            &mut level as *mut c_int as *mut c_void,
        )?;

        let mut p = sys::SEncParamExt::default();
        // SAFETY: `p` is a valid SEncParamExt for the encoder to fill.
        check("GetDefaultParams", unsafe {
            (enc.vtbl().GetDefaultParams.unwrap())(enc.ptr, &mut p)
        })?;
        let (w, h) = (spec.width as c_int, spec.height as c_int);
        let bitrate = settings.bitrate.min(i32::MAX as u32) as c_int;
        p.iUsageType = sys::CAMERA_VIDEO_REAL_TIME;
        p.iPicWidth = w;
        p.iPicHeight = h;
        p.iTargetBitrate = bitrate;
        p.iMaxBitrate = sys::UNSPECIFIED_BIT_RATE as c_int;
        p.iRCMode = sys::RC_BITRATE_MODE;
        p.fMaxFrameRate = spec.fps as f32;
        p.iTemporalLayerNum = 1;
        p.iSpatialLayerNum = 1;
        p.iComplexityMode = match settings.complexity {
            Complexity::Low => sys::LOW_COMPLEXITY,
            Complexity::Medium => sys::MEDIUM_COMPLEXITY,
            Complexity::High => sys::HIGH_COMPLEXITY,
        };
        p.uiIntraPeriod = spec.fps;
        p.iNumRefFrame = 1;
        p.eSpsPpsIdStrategy = sys::CONSTANT_ID;
        p.bPrefixNalAddingCtrl = false;
        p.bEnableSSEI = false;
        p.bSimulcastAVC = false;
        p.iEntropyCodingModeFlag = settings.cabac as c_int;
        // Every frame pushed must come out: the frame count and timing depend on it.
        p.bEnableFrameSkip = false;
        p.iMinQp = 16;
        p.iMaxQp = 42;
        p.bEnableLongTermReference = false;
        p.iMultipleThreadIdc = settings.threads.max(1);
        p.bUseLoadBalancing = false;
        p.iLoopFilterDisableIdc = 0;
        p.bEnableDenoise = false;
        p.bEnableBackgroundDetection = false;
        p.bEnableAdaptiveQuant = true;
        p.bEnableFrameCroppingFlag = true;
        // Scene-change detection would insert extra I frames; keyframes go every second.
        p.bEnableSceneChangeDetect = false;

        let layer = &mut p.sSpatialLayers[0];
        layer.iVideoWidth = w;
        layer.iVideoHeight = h;
        layer.fFrameRate = spec.fps as f32;
        layer.iSpatialBitrate = bitrate;
        layer.iMaxSpatialBitrate = sys::UNSPECIFIED_BIT_RATE as c_int;
        layer.uiProfileIdc = if settings.cabac {
            sys::PRO_MAIN
        } else {
            sys::PRO_BASELINE
        };
        layer.uiLevelIdc = sys::LEVEL_UNKNOWN;
        if settings.threads > 1 {
            layer.sSliceArgument.uiSliceMode = sys::SM_FIXEDSLCNUM_SLICE;
            layer.sSliceArgument.uiSliceNum = settings.threads as u32;
        } else {
            layer.sSliceArgument.uiSliceMode = sys::SM_SINGLE_SLICE;
            layer.sSliceArgument.uiSliceNum = 1;
        }
        layer.bVideoSignalTypePresent = true;
        layer.uiVideoFormat = sys::VF_UNDEF as u8;
        layer.bFullRange = false;
        layer.bColorDescriptionPresent = true;
        layer.uiColorPrimaries = sys::CP_BT709 as u8;
        layer.uiTransferCharacteristics = sys::TRC_BT709 as u8;
        layer.uiColorMatrix = sys::CM_BT709 as u8;

        // SAFETY: `p` is fully initialised (defaults from the encoder, then our fields).
        check("InitializeExt", unsafe {
            (enc.vtbl().InitializeExt.unwrap())(enc.ptr, &p)
        })?;
        let mut format: c_int = sys::videoFormatI420 as c_int;
        enc.set_option(
            sys::ENCODER_OPTION_DATAFORMAT,
            &mut format as *mut c_int as *mut c_void,
        )?;
        Ok(enc)
    }

    fn vtbl(&self) -> &sys::ISVCEncoderVtbl {
        // SAFETY: `ptr` came from WelsCreateSVCEncoder and lives until drop.
        unsafe { &**self.ptr }
    }

    fn set_option(
        &mut self,
        option: sys::ENCODER_OPTION,
        value: *mut c_void,
    ) -> Result<(), ExportError> {
        // SAFETY: `value` points at the type OpenH264 expects for `option` (callers above).
        check("SetOption", unsafe {
            (self.vtbl().SetOption.unwrap())(self.ptr, option, value)
        })
    }

    /// Encodes the next frame, appending its Annex B bytes (start-code prefixed NAL units)
    /// to `out`. `keyframe` asks for an IDR frame; the encoder's own period agrees with it.
    pub(crate) fn encode(
        &mut self,
        frame: &YuvFrame,
        keyframe: bool,
        out: &mut Vec<u8>,
    ) -> Result<EncodedFrame, ExportError> {
        let (w, h) = (self.spec.width as usize, self.spec.height as usize);
        if (frame.width(), frame.height()) != (w, h) {
            return Err(ExportError::Encoder(
                "frame size changed during the export".into(),
            ));
        }
        if keyframe {
            // SAFETY: the encoder is initialised.
            check("ForceIntraFrame", unsafe {
                (self.vtbl().ForceIntraFrame.unwrap())(self.ptr, true)
            })?;
        }
        let (y, u, v) = frame.planes();
        let pic = sys::SSourcePicture {
            iColorFormat: sys::videoFormatI420 as c_int,
            iStride: [w as c_int, (w / 2) as c_int, (w / 2) as c_int, 0],
            // OpenH264 only reads the source planes.
            pData: [
                y.as_ptr().cast_mut(),
                u.as_ptr().cast_mut(),
                v.as_ptr().cast_mut(),
                ptr::null_mut(),
            ],
            iPicWidth: w as c_int,
            iPicHeight: h as c_int,
            uiTimeStamp: (self.index * 1000 / self.spec.fps as u64) as i64,
            bPsnrY: false,
            bPsnrU: false,
            bPsnrV: false,
        };
        // SAFETY: the planes are sized for w x h I420 and outlive the call; `info` is ours.
        let code = unsafe { (self.vtbl().EncodeFrame.unwrap())(self.ptr, &pic, &mut *self.info) };
        check("EncodeFrame", code)?;
        self.index += 1;

        let info = &*self.info;
        let idr = match info.eFrameType {
            sys::videoFrameTypeIDR => true,
            sys::videoFrameTypeP | sys::videoFrameTypeI => false,
            other => {
                return Err(ExportError::Encoder(format!(
                "frame {} came out as frame type {other} (skipped or invalid) instead of a picture",
                self.index - 1
            )))
            }
        };
        let start = out.len();
        for layer in &info.sLayerInfo[..info.iLayerNum.max(0) as usize] {
            let nal_count = layer.iNalCount.max(0) as usize;
            // SAFETY: OpenH264 fills pNalLengthInByte with iNalCount lengths, and pBsBuf
            // holds those NAL units back to back; both stay valid until the next call.
            let len: usize =
                unsafe { std::slice::from_raw_parts(layer.pNalLengthInByte, nal_count) }
                    .iter()
                    .map(|&n| n.max(0) as usize)
                    .sum();
            out.extend_from_slice(unsafe { std::slice::from_raw_parts(layer.pBsBuf, len) });
        }
        if out.len() == start {
            return Err(ExportError::Encoder(format!(
                "frame {} produced no data",
                self.index - 1
            )));
        }
        Ok(EncodedFrame { idr })
    }
}

impl Drop for H264Encoder {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from WelsCreateSVCEncoder; Uninitialize is safe to call once
        // whether or not InitializeExt succeeded, and the pointer is not used afterwards.
        unsafe {
            (self.vtbl().Uninitialize.unwrap())(self.ptr);
            self.api.WelsDestroySVCEncoder(self.ptr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NAL unit types in an Annex B stream.
    fn nal_types(annexb: &[u8]) -> Vec<u8> {
        let mut types = Vec::new();
        let mut i = 0;
        while i + 3 < annexb.len() {
            if annexb[i..i + 3] == [0, 0, 1] {
                types.push(annexb[i + 3] & 0x1f);
                i += 3;
            } else {
                i += 1;
            }
        }
        types
    }

    #[test]
    fn idr_every_second_with_parameter_sets_in_front() {
        let spec = VideoSpec {
            width: 96,
            height: 64,
            fps: 5,
        };
        let settings = EncoderSettings {
            threads: 1,
            ..EncoderSettings::for_spec(spec)
        };
        let mut enc = H264Encoder::new(spec, &settings).unwrap();
        let mut frame = YuvFrame::new(96, 64);
        let mut rgb = vec![0u8; 96 * 64 * 3];
        for i in 0..12u32 {
            for (j, px) in rgb.iter_mut().enumerate() {
                *px = (j as u32 * 7 + i * 13) as u8;
            }
            frame.fill_from_rgb(&rgb);
            let mut out = Vec::new();
            let f = enc.encode(&frame, i % 5 == 0, &mut out).unwrap();
            assert_eq!(f.idr, i % 5 == 0, "frame {i}");
            let types = nal_types(&out);
            if f.idr {
                assert_eq!(
                    &types[..3],
                    &[7, 8, 5],
                    "frame {i}: SPS, PPS, then IDR slice"
                );
            } else {
                assert!(types.iter().all(|&t| t == 1), "frame {i}: {types:?}");
            }
        }
    }

    #[test]
    fn bitrate_scales_with_size() {
        let tall = EncoderSettings::for_spec(VideoSpec {
            width: 1080,
            height: 1920,
            fps: 30,
        });
        assert_eq!(tall.bitrate, 9_000_000);
        let small = EncoderSettings::for_spec(VideoSpec {
            width: 720,
            height: 1280,
            fps: 30,
        });
        assert_eq!(small.bitrate, 4_000_000);
        let tiny = EncoderSettings::for_spec(VideoSpec {
            width: 2,
            height: 2,
            fps: 1,
        });
        assert_eq!(tiny.bitrate, 300_000);
    }
}
