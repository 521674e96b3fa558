/** The channels filter lives in main/common, so the renderer reads a filter exactly as the console does. */
export * from '../../common/channel-glob.js';
