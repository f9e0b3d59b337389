/*
 * printf of doubles: %f %e %g %a with precisions 0..17 and the flags # + -
 * space 0 and widths, over values that stress rounding (halfway cases,
 * 0.1, 1/3), magnitudes (1e-320 denormals to 1e308), -0.0, infinities and
 * NaN; then strtod of the printed text back to the same bits, and a few
 * computations from <math.h> whose results are exactly specified (sqrt,
 * fabs, floor, ceil, trunc, round, fmod, ldexp, frexp, modf).
 * (musl formats through long double: under x86-run that is x87 code.)
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double from_bits(uint64_t b) {
  double d;
  memcpy(&d, &b, 8);
  return d;
}
static uint64_t to_bits(double d) {
  uint64_t b;
  memcpy(&b, &d, 8);
  return b;
}

int main(void) {
  const double values[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, 0.125, 0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0,
                           123456.789, 1e15 + 0.3, 9007199254740993.0, 1e21, 1e22, 1e23, 1e-5, 1e-7, 5e-324,
                           2.2250738585072014e-308, 1e-310, 1.7976931348623157e308, 3.141592653589793,
                           2.718281828459045, 0.05, 0.15, 0.25, 0.35, 1.005, 999.9995, 0.000123456, -123.456e-10,
                           INFINITY, -INFINITY, NAN, 4294967296.0, 18446744073709551616.0};
  const char *formats[] = {"%f", "%.0f", "%.1f", "%.2f", "%.3f", "%.10f", "%.17f", "%e", "%.0e", "%.3e",
                           "%.16e", "%g", "%.0g", "%.1g", "%.3g", "%.10g", "%.17g", "%#g", "%#.0f", "%+f",
                           "% e", "%-12.3g|", "%012.4f", "%+015.6e", "%a", "%.0a", "%.3a", "%A", "%20.10a", "%.40f"};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    printf("[%016" PRIx64 "]", to_bits(values[i]));
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
      printf(" ");
      printf(formats[f], values[i]);
    }
    printf("\n");
  }
  /* round trip: %.17g must give back the same bits */
  uint64_t state = 0x123456789abcdefull;
  int exact = 0, total = 0;
  for (int k = 0; k < 2000; k++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    double d = from_bits(state & 0x7fefffffffffffffull) * ((k & 1) ? -1 : 1);
    char text[64];
    snprintf(text, sizeof text, "%.17g", d);
    exact += to_bits(strtod(text, NULL)) == to_bits(d);
    total++;
    if (k % 250 == 0) printf("sample %s\n", text);
  }
  printf("strtod round trips: %d of %d\n", exact, total);
  const char *inputs[] = {"0x1.8p1", "1e400", "-1e-400", "inf", "nan", "  42.5xyz", "0.1e1", "1e-320", ".5", "-0"};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    char *end;
    double d = strtod(inputs[i], &end);
    printf("strtod(\"%s\") = %016" PRIx64 " rest \"%s\"\n", inputs[i], (uint64_t)(to_bits(d) & (isnan(d) ? 0x7ff8000000000000ull : ~0ull)), end);
  }
  volatile double x = 10.75, y = -3.5, z = 1e-300;
  int e = 0;
  double ip = 0, fr = frexp(x, &e), fraction = modf(y, &ip);
  printf("sqrt %a fabs %a floor %a ceil %a trunc %a round %a fmod %a ldexp %a frexp %a/%d modf %a/%a\n", sqrt(x), fabs(y),
         floor(y), ceil(y), trunc(y), round(y), fmod(x, y), ldexp(z, 900), fr, e, fraction, ip);
  return 0;
}
