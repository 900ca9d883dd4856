/**
 * One annotation tile on screen: a `BitmapLayer` whose image is an `r8uint` texture of annotation
 * codes, coloured in the fragment shader through a fixed lookup (0 transparent, 1 background,
 * 2 cell, 3 boundary: `CODE_COLORS`), as vizarr's label layer does with its LUT texture. Integer
 * textures cannot be filtered, so the shader reads the exact texel with `texelFetch`; the codes stay
 * exact at every zoom.
 */
import { BitmapLayer } from '@deck.gl/layers';
import { CODE_COLORS } from '../engine/targets/codes.ts';

function rgb(code: number): string {
  const c = CODE_COLORS.find((k) => k.labelValue === code)!.rgba;
  return `vec4(${(c[0] / 255).toFixed(4)}, ${(c[1] / 255).toFixed(4)}, ${(c[2] / 255).toFixed(4)}, 1.0)`;
}

const LOOKUP = `
const vec4 CODE_LOOKUP[4] = vec4[4](vec4(0.0), ${rgb(1)}, ${rgb(2)}, ${rgb(3)});
`;

export class CodeTileLayer extends BitmapLayer {
  static override layerName = 'CodeTileLayer';

  override getShaders() {
    const shaders = super.getShaders();
    let fs: string = shaders.fs;
    fs = fs.replace('uniform sampler2D bitmapTexture;', `uniform highp usampler2D bitmapTexture;\n${LOOKUP}`);
    fs = fs.replace(
      'vec4 bitmapColor = texture(bitmapTexture, uv);',
      `ivec2 texSize = textureSize(bitmapTexture, 0);
  ivec2 texel = clamp(ivec2(floor(uv * vec2(texSize))), ivec2(0), texSize - 1);
  uint code = texelFetch(bitmapTexture, texel, 0).r;
  vec4 bitmapColor = CODE_LOOKUP[min(code, 3u)];`,
    );
    if (!fs.includes('CODE_LOOKUP[min(code')) {
      throw new Error('CodeTileLayer: BitmapLayer fragment shader changed; update the patch');
    }
    return { ...shaders, fs };
  }
}
