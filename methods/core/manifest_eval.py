"""The eval split: the photos (CONTENTS) and paintings (STYLES) every method is scored on, chosen for
spread (portraits, animals, a close-up, landscapes, sea, night sky, an interior, people at work; oil
from the Baroque to abstraction, woodcuts, a watercolour, an etching), and the QUICK_ names of a
smoke run. No network of the project trained on any of them; none is a train, validation or
reserved image. Each names its upstream file (repository, commit and path in the URL) and sha256.
"""
from __future__ import annotations

from methods.core.manifest_entries import GITHUB_RAW, KODAK, KODAK_LICENCE, PUBLIC_DOMAIN_ART, SKIMAGE_DATA, Entry

FAST_STYLE = f"{GITHUB_RAW}/jcjohnson/fast-neural-style/813c83441953ead2adb3f65f4cc2d5599d735fa7/images/styles"
SKIMAGE_GITHUB = f"{GITHUB_RAW}/scikit-image/scikit-image/f42afebec860cac3ec92ac022ad08385f06c589f/skimage/data"
# U.S.-government and Carol M. Highsmith photos, downsampled from Wikimedia Commons; the folder's
# README.md names each file's Commons page, the per-file licence record
WIKIPEDIA_PHOTOS = f"{GITHUB_RAW}/Zelex/images/0b8a89db599a384124fb991b85d40cfd63c73d58/wikipedia-photos"
US_GOVERNMENT = ("public domain (U.S. federal government work, 17 U.S.C. 105); per-file record: Commons page "
                 "named in the repository README")


def _skimage(name, filename, title, author, licence, sha256, function=None, url=None):
    return Entry(name, "content", filename, title, author, licence, url or f"{SKIMAGE_DATA}/{filename}", sha256,
                 skimage=function or name)


def _painting(name: str, url: str, title: str, author: str, sha256: str) -> Entry:
    return Entry(name, "style", f"{name}.jpg", title, author, PUBLIC_DOMAIN_ART, url, sha256)


CONTENTS: tuple[Entry, ...] = (
    _skimage("astronaut", "astronaut.png", "Astronaut Eileen Collins", "NASA", "public domain (NASA)",
             "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
    _skimage("chelsea", "chelsea.png", "Chelsea the cat", "Stefan van der Walt", "CC0",
             "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    _skimage("coffee", "coffee.png", "A cup of coffee", "Rachel Michetti", "CC0",
             "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    _skimage("rocket", "rocket.jpg", "DSCOVR launch on Falcon 9", "SpaceX", "public domain (SpaceX)",
             "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
    _skimage("motorcycle_left", "motorcycle_left.png", "Motorcycle (Middlebury stereo 2014, left view)",
             "Scharstein et al.", "Middlebury Stereo 2014 data set, as shipped in scikit-image",
             "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179", "stereo_motorcycle"),
    Entry("kodim05", "content", "kodim05.png", "Motocross riders", "Eastman Kodak", KODAK_LICENCE,
          f"{KODAK}/kodim05.png", "ccf694ceb6bbf431e0009ed0d5573a8ff0915095b69ddfb527b91d8325897f5e"),
    Entry("kodim13", "content", "kodim13.png", "Mountain stream", "Eastman Kodak", KODAK_LICENCE,
          f"{KODAK}/kodim13.png", "797949ce1152ef157ff0a1231c95cb8ed7641615e0b0f5f77f851a44aee19e8d"),
    Entry("kodim22", "content", "kodim22.png", "Red barn and pond", "Eastman Kodak", KODAK_LICENCE,
          f"{KODAK}/kodim22.png", "627b76fccf714b4ddffb739b2eb63ba2817cf5b5a8e222079542dcf2cfdda939"),
    _skimage("hubble_deep_field", "hubble_deep_field.jpg", "Hubble eXtreme Deep Field (scikit-image "
             "'hubble_deep_field')", "NASA (HubbleSite release 2012-37)",
             "public domain (NASA; skimage.data.hubble_deep_field docstring: 'captured by NASA and may be freely "
             "used in the public domain')", "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4",
             url=f"{SKIMAGE_GITHUB}/hubble_deep_field.jpg"),
    Entry("tidal_basin_monument", "content", "tidal_basin_monument.png",
          "Washington Monument over the Tidal Basin in cherry-blossom time, Washington, D.C.",
          "Carol M. Highsmith (Library of Congress, Highsmith Archive, image 04037)",
          "public domain (Carol M. Highsmith's archive, given to the Library of Congress without restriction); the "
          "repository README names the Commons page as the per-file licence record",
          f"{WIKIPEDIA_PHOTOS}/047.png", "428630e7c5528c2c8f4fa07ecfd602d31a2e5320e8c2dc3babba95db37199f32"),
    Entry("aircraft_plant_1942", "content", "aircraft_plant_1942.png",
          "Production of B-24 bombers and C-87 transports: a worker inside a fuselage, Consolidated Aircraft "
          "plant, Fort Worth, Texas, Oct. 1942",
          "U.S. Office of War Information (Howard R. Hollem's Fort Worth series; frame not individually checked)",
          "public domain (U.S. government work, Office of War Information; LoC FSA/OWI colour photographs); "
          "per-file record: Commons page named in the repository README",
          f"{WIKIPEDIA_PHOTOS}/035.png", "05c409b993d943130a01534b53825b7ac57344f67e63027985ac29a8109d5dd4"),
    Entry("lcac_norfolk", "content", "lcac_norfolk.png",
          "A landing craft, air cushion (LCAC) and the U.S. Coast Guard patrol boat Albacore underway near Naval "
          "Station Norfolk, 29 Oct 2009", "U.S. Department of Defense (VIRIN 091029-M-5645B-091)", US_GOVERNMENT,
          f"{WIKIPEDIA_PHOTOS}/043.png", "60bb01a994ce2afb07f9d386a49baac3bfae3ef765fdf9ac52d11c4f18f31f59"),
    Entry("hospital_drill", "content", "hospital_drill.png", "A Sailor examines a patient during a drill, 17 Nov 2011",
          "U.S. Navy (VIRIN 111117-N-UB993-082)", US_GOVERNMENT,
          f"{WIKIPEDIA_PHOTOS}/044.png", "1998e713962533777a2161efa3fa22bcd190276d3ff267f122c0e26ca3886da2"),
)

STYLES: tuple[Entry, ...] = (
    _painting("starry_night", f"{FAST_STYLE}/starry_night.jpg", "The Starry Night, 1889", "Vincent van Gogh",
              "0592ab0f7b51b3ce72608a95e53880bd93971e5b48f93a0ce8dfd3cbccf3d098"),
    _painting("great_wave", f"{FAST_STYLE}/wave.jpg", "The Great Wave off Kanagawa, c. 1831", "Katsushika Hokusai",
              "14bcf58a39b7095168f27756d76d0c615bb8954acc5eae9e62c66a9684c2ee2b"),
    _painting("the_scream", f"{FAST_STYLE}/the_scream.jpg", "The Scream, 1893", "Edvard Munch",
              "f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee"),
    _painting("composition_vii", f"{FAST_STYLE}/composition_vii.jpg", "Composition VII, 1913", "Wassily Kandinsky",
              "8f992ed4aecd6dd56972d7bc8166761de7c94e670ee6effa8fd05f3daeb33409"),
    _painting("shipwreck", f"{GITHUB_RAW}/jcjohnson/neural-style/07c4b8299f8fbdafec0c514fc820ff1d7ff62e46/examples/"
              "inputs/shipwreck.jpg", "The Shipwreck of the Minotaur, c. 1810", "J. M. W. Turner",
              "4f7cf34e3cd4a5daaf3f421f059ca9a01aaa2a3afd7243d6670c9c8bc001a213"),
    _painting("water_lilies", f"{GITHUB_RAW}/titu1994/Neural-Style-Transfer/d09334855211579ea1adb9ad04f09fc8a7573850/"
              "images/inputs/style/water-lilies-1919-2.jpg", "Water Lilies, 1919", "Claude Monet",
              "db4c4fe90c02be04d269f2f598357bb8cd4ea0541712a90d4913e91b1da689d7"),
    _painting("street_berlin_kirchner", f"{GITHUB_RAW}/Klus3kk/artify/d7cb5ec8055df4ca20cd990872f330a1220dbcc5/images/"
              "style/expressionism/Ernst_Ludwig_Kirchner_Street_Berlin.jpg", "Street, Berlin, 1913",
              "Ernst Ludwig Kirchner (1880-1938)", "a13f8ade0983ef106e7891894651609e24388f49a23dbd21543232134aa3b55e"),
    _painting("landscape_cross", f"{GITHUB_RAW}/luanfujun/deep-painterly-harmonization/"
              "a33a9a70366b6baff1cc0291f857b5895b271fc1/data/18_target.jpg", "Landscape (Paysage), c. 1896-99",
              "Henri-Edmond Cross (1856-1910)", "7d142be3e6654f6220fd2ff9e408345bf896ed119798e7788b41a193e37e0e66"),
    _painting("tableau_no2_mondrian", f"{GITHUB_RAW}/naoto0804/pytorch-AdaIN/47950d0e6656a95a80a4b105c4c0f58d38ef785c/"
              "input/style/mondrian.jpg", "Tableau No. 2 / Composition No. VII, 1913", "Piet Mondrian (1872-1944)",
              "b3f228ad1dfa21ed368451a08af372640b2fc062597d47688fffbd06f3c82b0f"),
    _painting("sailboat_fireworks_homer", f"{GITHUB_RAW}/dsackr/fraimic-homeassistant/"
              "1dd558af840622fbc80538e93ee333c68ed1898b/scene_packs/independence_day/06_sailboat_and_fireworks.jpg",
              "Sailboat and Fourth of July Fireworks, 1880 (watercolour)", "Winslow Homer (1836-1910)",
              "e34d7703a97d0d059725b5a0c576123d4e8c0c26006bf73e4e5025ff7a3a457a"),
    _painting("foxfires_oji_hiroshige", f"{GITHUB_RAW}/dsackr/fraimic-homeassistant/"
              "1dd558af840622fbc80538e93ee333c68ed1898b/scene_packs/new_years/06_new_year_s_eve_foxfires_hiroshige.jpg",
              "New Year's Eve Foxfires at the Changing Tree, Oji (One Hundred Famous Views of Edo, no. 118), 1857",
              "Utagawa Hiroshige (1797-1858)", "6e67bacf06174a40df77554bc0fb2c4cd39d858054e3286939b2c029bfd2764c"),
    _painting("calling_of_st_matthew_caravaggio", f"{GITHUB_RAW}/Klus3kk/artify/"
              "d7cb5ec8055df4ca20cd990872f330a1220dbcc5/images/style/baroque/Caravaggio_The_Calling_of_Saint_Matthew.jpg",
              "The Calling of Saint Matthew, 1599-1600", "Caravaggio (Michelangelo Merisi, 1571-1610)",
              "4bb54f9db6eb697add68bfc39314eac8f7a51819820998f277c2f4b3e64848eb"),
    _painting("harbour_large_tower_claude", f"{GITHUB_RAW}/reiinakano/arbitrary-image-stylization-tfjs/"
              "5c93b212d7d3c7051a89a53667d2d5a61cd938b4/images/seaport.jpg",
              "The Harbour with the Large Tower (Le Port de mer a la grosse tour), etching, c. 1641",
              "Claude Lorrain (Claude Gellee, c. 1600-1682)",
              "889e09bd3c4920e70fae5fdbea1d36023630d07898d5bab82cc688ae27eb9d1f"),
    _painting("drowned_woman_perov", f"{GITHUB_RAW}/luanfujun/deep-painterly-harmonization/"
              "a33a9a70366b6baff1cc0291f857b5895b271fc1/data/26_target.jpg", "The Drowned Woman (Utoplennitsa), 1867",
              "Vasily Perov (1834-1882)", "e8d151b4fabf88064de030b41983df8aade698b4b7d7a0b9b507de5b138b9097"),
)

QUICK_CONTENTS = ("astronaut", "chelsea")  # in the wheel: a smoke run needs no mirror for them
QUICK_STYLES = ("starry_night", "great_wave")
