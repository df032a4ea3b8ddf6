"""The image set's entries for training and for choosing recipes: Entry, the train photos and
paintings, the validation photos and the reserved names, each with its split, provenance (title,
author, licence), upstream URL and sha256. The eval entries are in methods.core.manifest_eval;
methods.core.manifest joins both, finds their bytes and enforces the split: import the entries from
there.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

GITHUB_RAW = "https://raw.githubusercontent.com"
SKIMAGE_DATA = "https://gitlab.com/scikit-image/data/-/raw/5c090b56df3988d988ff97928e2ef2d2cbe38e1b"
KODAK = f"{GITHUB_RAW}/Zelex/images/0b8a89db599a384124fb991b85d40cfd63c73d58/kodak"
KODAK_LICENCE = "Kodak Lossless True Color Image Suite, released by Eastman Kodak for unrestricted usage"
PUBLIC_DOMAIN_ART = "public domain (artist died before 1955, published before 1929)"


@dataclass(frozen=True)
class Entry:
    """One image. `skimage` names the skimage.data function for photos that ship in the wheel;
    `path` is set for a person's own images (--contents/--styles), which have no manifest row."""

    name: str
    kind: str  # "content" or "style"
    filename: str
    title: str = ""
    author: str = ""
    licence: str = ""
    url: str | None = None
    sha256: str | None = None
    skimage: str | None = None
    path: Path | None = None
    split: str = "eval"  # "eval": scored on; "train": trained on; "validation": recipes chosen on
    member: str | None = None  # the file's path inside the archive at `url` (a wheel)
    archive_sha256: str | None = None
    package: str | None = None  # an installed distribution that ships `member`
    raw_shape: tuple[int, int, int] | None = None  # the file is bz2-compressed uint8 pixels (scipy's face)

    @property
    def folder(self) -> str:
        if self.split == "train":
            return "train/paintings" if self.kind == "style" else "train/photos"
        if self.split == "validation":
            return "validation/photos"
        return f"{self.kind}s"


def _train_photo(number: int, sha256: str) -> Entry:
    filename = f"kodim{number:02d}.png"
    return Entry(filename[:-4], "content", filename, f"Kodak photo {number}", "Eastman Kodak", KODAK_LICENCE,
                 f"{KODAK}/{filename}", sha256, split="train")


TRAIN_PHOTOS: tuple[Entry, ...] = tuple(_train_photo(number, sha256) for number, sha256 in (
    (1, "6b4fbe6f3e8e0e20150d5b0c32248bf072e22b5989d415f96f796c5b7004a70f"),
    (2, "1788370471429d992750a09caf6702ac74e56962447de02520d4b161738c0369"),
    (3, "b9c800ee568f0b18c983817df08d9f7f24a7ddb3abfdc31bde9234c4fde83137"),
    (4, "0c60c62599ad33fd78b29c36013fbe4120946f6c327c0ef0ec6983297fb48d23"),
    (6, "f4212cc927d1d579c712843cf8320c7eccb571e5ea80456022ffe99d67e9cd5d"),
    (7, "7cdd6d63ae0a245f6f9d983d740e11c6808c2efc24f8351aad9b5f676c27b55a"),
    (9, "4d8d801592aeaf446978bbd1c83b76c498242d0f684769311a4e7248289500bf"),
    (10, "7aca487dc83db732a5690b7affe8558e9dadf5bb44a4589ba2b607480a07228b"),
    (11, "c7c02bd6e942d1181518e3ce2d97cf0451e4494a5e9d6ddee276940e4875d746"),
    (12, "df571f5e66d1aefd764ea77855e81e3be61528c34962a0fd1d50557502162c1e"),
    (14, "08a1898d5702f32e7d9f94a94651d74a62cb9325475775a558b388c8d98f1846"),
    (15, "416c475f39b0eb9203ce7f77d2af8824f5bffc1a86a4605865017f04c41639b9"),
    (16, "5d03303693decdf7a1e1e930b5ca6684283aa80a9e7d8d6a842a74fa5f790640"),
    (17, "19d90e98e5835efae20a6e17e22e5ac6814ee2c8efb32d188ea4359abaf9f5bd"),
    (18, "83df267dfec61e9b9d3756c422502160b2fab595650c73a8b12940540ad09ec5"),
    (19, "86560efe85a13413b228ef7e42dde0d439b25a94fb8e2d6fb1dc1631cf48853b"),
    (24, "9f1c26df52217bd49f998a720a2ffeba41a535cf826f4ae32e355fb2b0bbc0fe"),
))


# Public-domain paintings for training style networks (every artist died before 1955, every work was
# painted or first published before 1929). Each comes from a public GitHub repository pinned at a
# commit; the URL carries repository, commit and path, the sha256 the bytes. None is an eval painting
# (nor a version or crop of one) or a RESERVED image.
_PAINTING_COMMITS = {
    "JacksYou/neural-style": "2fd4bf7d613468307a4ac663a6df97ac2e2b65a7",
    "jxcodetw/Stylebank": "b7fe72ef3a950e23e1f6645058dcce07722a6612",
    "ItsTSV/NeuralStyleTransfer": "7d0f226dedc9958e899e369573cbab8a75d5a3ba",
    "hi-space/image-style-transfer": "9de6e1ffc1358098abc7e3c1c6cd55ea3827b362",
    "gordicaleksa/pytorch-neural-style-transfer": "a244dc61797f920a62146d98de92384352a4d3a2",
    "MattMoony/convnet_style-transfer": "581115679cf93554dfee7118e73389d3e33dd214",
    "jaredaevans/DualNeuralStyleTransfer": "bf51cda0ac4283fe680521d8203ccf6582a4b37c",
    "CarpdiemLiang/style_transfer": "34418d1a43114ad4d84defaecca6dc78abddf81b",
    "luanfujun/deep-painterly-harmonization": "a33a9a70366b6baff1cc0291f857b5895b271fc1",
    "mystic123/tensorflow-style-transfer": "2c4f79a6d1719a4791e0bdfc8b62d287455a36cf",
    "zhanghang1989/PyTorch-Multi-Style-Transfer": "75d256049a6af7ceccae01bd5c472556478048ea",
    "magenta/magenta": "526d3eb1a39df21215d286079cb0b8fc179fd4b3",
}


def _train_painting(name: str, repo: str, path: str, title: str, author: str, sha256: str) -> Entry:
    return Entry(name, "style", name + Path(path).suffix, title, author, PUBLIC_DOMAIN_ART,
                 f"{GITHUB_RAW}/{repo}/{_PAINTING_COMMITS[repo]}/{path}", sha256, split="train")


TRAIN_PAINTINGS: tuple[Entry, ...] = (
    _train_painting("impression_sunrise_monet", "JacksYou/neural-style", "examples/style/monet/sunrise.jpg",
                    "Impression, Sunrise, 1872", "Claude Monet (1840-1926)",
                    "87f38af8222afa6ab613d0bc8c2b8079a6de82abe0231243f471b88ce7f55538"),
    _train_painting("the_magpie_monet", "JacksYou/neural-style", "examples/style/monet/the_magpie.jpg",
                    "The Magpie, 1868-69", "Claude Monet (1840-1926)",
                    "e7ebe9f5cbe71a409f5473ea87f8ad245d5e62f97e93c41edabca3f2e9c2d225"),
    _train_painting("woman_with_a_parasol_monet", "jxcodetw/Stylebank", "style/00.jpg",
                    "Woman with a Parasol - Madame Monet and Her Son, 1875", "Claude Monet (1840-1926)",
                    "3269f8ae5e85e19d37c37ee8404f8bf57752bef62b1673bd7916c8df70ca785f"),
    _train_painting("houses_of_parliament_monet", "ItsTSV/NeuralStyleTransfer", "images/style/parlament.jpg",
                    "The Houses of Parliament, Sunlight Breaking through the Fog, 1904 (detail)",
                    "Claude Monet (1840-1926)",
                    "0f36082c4c09dded4e92393f70d9ec9c39cfef946211755458be2af2b5de5133"),
    _train_painting("san_giorgio_maggiore_monet", "hi-space/image-style-transfer",
                    "image/monet-san_giorgio_maggiore_at_dusk.jpg", "San Giorgio Maggiore at Dusk, 1908-12",
                    "Claude Monet (1840-1926)",
                    "ad042ac7901946b6d4781978b3d04dd16f1cf9c01dd38a743c0de854df23c554"),
    _train_painting("dance_foyer_degas", "hi-space/image-style-transfer",
                    "image/degas-the_dance_foyer_at_the_opera.jpg",
                    "The Dance Foyer at the Opera on the rue Le Peletier, 1872", "Edgar Degas (1834-1917)",
                    "be33ef557a513b664f6d7ffa0e0cb53fcc126d5eaec9aef6f44a771bc1dff77b"),
    _train_painting("night_cafe_van_gogh", "gordicaleksa/pytorch-neural-style-transfer",
                    "data/style-images/vg_la_cafe.jpg", "The Night Cafe, 1888", "Vincent van Gogh (1853-1890)",
                    "af361f26d92524b959967ca1dda27f4127e9a89a51fd23ae0e9cb88add859d62"),
    _train_painting("wheat_field_cypresses_van_gogh", "gordicaleksa/pytorch-neural-style-transfer",
                    "data/style-images/vg_wheat_field.jpg", "A Wheatfield, with Cypresses, 1889",
                    "Vincent van Gogh (1853-1890)",
                    "da6959c2bc8e874f09df0cdce63dd86a1f11b61bf560ff498e1dfe483cdf8a81"),
    _train_painting("self_portrait_van_gogh", "JacksYou/neural-style", "examples/style/van_gogh/selfportrait.jpg",
                    "Self-Portrait, 1889 (Musee d'Orsay)", "Vincent van Gogh (1853-1890)",
                    "e56e0a8efec103b1d4b98eaba234396965106cf08305cd2d248727c2e5811c4c"),
    _train_painting("bedroom_in_arles_van_gogh", "hi-space/image-style-transfer",
                    "image/vangogh-bedroom_in_arles.jpg", "The Bedroom (Bedroom in Arles), 1888",
                    "Vincent van Gogh (1853-1890)",
                    "28eba52c0bf68a5e7f02f5eb7af6731bba25f5632951df859bc3d42ed3f458ae"),
    _train_painting("mont_sainte_victoire_cezanne", "JacksYou/neural-style",
                    "examples/style/cezanne/mont_victoire_pine.jpg",
                    "Mont Sainte-Victoire with Large Pine, c. 1887", "Paul Cézanne (1839-1906)",
                    "512dd5bee279a022ed5d67dd0b542d3a03f5f3f1cdb742d63b2d205256116eab"),
    _train_painting("te_fare_gauguin", "hi-space/image-style-transfer", "image/gauguin-te_fare.jpg",
                    "Te Fare (The House), 1892", "Paul Gauguin (1848-1903)",
                    "f16ce92eaeabc7967c28315b665f88f9be32bb51cc5c8bcba4ddf648bc12b255"),
    _train_painting("in_bed_toulouse_lautrec", "hi-space/image-style-transfer", "image/toulouse-in_bed.png",
                    "In Bed, c. 1893", "Henri de Toulouse-Lautrec (1864-1901)",
                    "3e777d5c036ee768709e5de2e4e0fb3cd45a17a73de59058d649d81d29f42ce2"),
    _train_painting("four_girls_macke", "MattMoony/convnet_style-transfer",
                    "media/style/august-macke-four-girls.jpg", "Four Girls, 1913", "August Macke (1887-1914)",
                    "a79ef627574e3654618946fd36a2425f0de37e981834ed8249956feb22743f8d"),
    _train_painting("the_kiss_klimt", "MattMoony/convnet_style-transfer", "media/style/gustav-klimt-kiss.jpg",
                    "The Kiss, 1907-08", "Gustav Klimt (1862-1918)",
                    "f27ad64fc53ce982d853ed693f31eb6a396ff253c31ab43b98970850b31da6ec"),
    _train_painting("edtaonisl_picabia", "gordicaleksa/pytorch-neural-style-transfer",
                    "data/style-images/edtaonisl.jpg", "Edtaonisl (Ecclesiastic), 1913",
                    "Francis Picabia (1879-1953)",
                    "6993247396a33b7297b4dc0f59e8114f223ac5a3ab604f251f9f5e25c592e44f"),
    _train_painting("bridges_of_paris_gleizes", "jaredaevans/DualNeuralStyleTransfer",
                    "ParentImages/Gleizes_The_Bridges_of_Paris.jpg", "The Bridges of Paris (Passy), 1912",
                    "Albert Gleizes (1881-1953)",
                    "72546d369e52c3fd2a90f60eca32fa2ab7207cbab83397cfee83936ecd4dd25c"),
    _train_painting("window_on_the_city_delaunay", "jaredaevans/DualNeuralStyleTransfer",
                    "ParentImages/Delaunay_Window_on_the_City.jpg",
                    "Window on the City (La Fenetre sur la ville), 1910-12", "Robert Delaunay (1885-1941)",
                    "258b824cb7300087ba256bed4086a0837542ecba15517c9bc2d9e649b2fcc1f6"),
    _train_painting("elasticity_boccioni", "jxcodetw/Stylebank", "style/10.jpg", "Elasticity, 1912",
                    "Umberto Boccioni (1882-1916)",
                    "865ae40dcbbec2093e651e21ff59eebae7db6287f8b12878a4c612b7e34a8f88"),
    _train_painting("yellow_red_blue_kandinsky", "ItsTSV/NeuralStyleTransfer", "images/style/abstraction.jpg",
                    "Yellow-Red-Blue, 1925", "Wassily Kandinsky (1866-1944)",
                    "9da2fa678bb0c2e82832a29558977f422e556f6f90386bc9519f5adc3586675d"),
    _train_painting("toyokawa_bridge_hiroshige", "MattMoony/convnet_style-transfer",
                    "media/style/hiroshige-toyokawa-bridge.jpg",
                    "Yoshida: Toyokawa Bridge, from The Fifty-three Stations of the Tokaido, c. 1833-34",
                    "Utagawa Hiroshige (1797-1858)",
                    "68770b01ccddbe301eb7a3f364e89fdecbb6250051d41705c6afd6dd418f9f3a"),
    _train_painting("the_gleaners_millet", "jxcodetw/Stylebank", "style/01.jpg", "The Gleaners, 1857",
                    "Jean-François Millet (1814-1875)",
                    "20ddcf5f42acf3c5ce768250584f9e4d81d4d32193e0328268cd41a91c56807e"),
    _train_painting("burning_of_parliament_turner", "ItsTSV/NeuralStyleTransfer", "images/style/burning.jpg",
                    "The Burning of the Houses of Lords and Commons, 1834-35 (detail)",
                    "J. M. W. Turner (1775-1851)",
                    "ca4cf258a6552de1e1505f1f829a6d1e12353304bb5faff026f934a3c29fabfe"),
    _train_painting("tower_of_babel_bruegel", "jaredaevans/DualNeuralStyleTransfer",
                    "ParentImages/Babel_Bruegel.jpg", "The Tower of Babel, 1563",
                    "Pieter Bruegel the Elder (c. 1525-1569)",
                    "7d4147c29e1cd93209a6da5758e207b01187e83cccb785e3e502d775227456f5"),
    _train_painting("triumph_of_death_bruegel", "jaredaevans/DualNeuralStyleTransfer",
                    "ParentImages/The_Triumph_of_Death_Bruegel.jpg", "The Triumph of Death, c. 1562",
                    "Pieter Bruegel the Elder (c. 1525-1569)",
                    "2552c37965d2bf49eb5734339ca220499b3860745f5a90f129c8406dfbad47b6"),
    # The AdaIN decoder learned from the paintings above this line only: its card (training_images) lists them.
    _train_painting("landscape_flight_into_egypt_bruegel", "CarpdiemLiang/style_transfer",
                    "neural_style_transfer/images/Northern_Renaissance.jpeg",
                    "Landscape with the Flight into Egypt, 1563", "Pieter Bruegel the Elder (c. 1525-1569)",
                    "602d7c5c1ef28d62f9eb8d9ce5f77e7f8df2f08049553c62b0de2e9267d9209d"),
    _train_painting("pere_paul_monet", "JacksYou/neural-style", "examples/style/monet/chef_pere_paul.jpg",
                    "Le Pere Paul (Paul, the Cook), 1882", "Claude Monet (1840-1926)",
                    "09cb7e03c4c55cdfcb35869ccbfe9b811e5dba0390c7501691c41df68fa73ef0"),
    _train_painting("artists_garden_giverny_monet", "JacksYou/neural-style",
                    "examples/style/monet/garten_in_giverny.jpg",
                    "The Artist's Garden at Giverny, 1900", "Claude Monet (1840-1926)",
                    "b5454afcf3653010d92bbbc249e3bc31a17577893467ec84960a14d826cd0d87"),
    _train_painting("road_giverny_winter_monet", "JacksYou/neural-style", "examples/style/monet/road_to_giverny.jpg",
                    "The Road to Giverny in Winter, 1885", "Claude Monet (1840-1926)",
                    "05bed3206471f49aad7a03815ac3b5e6754726297f5618cdad0167e671fb9f2a"),
    _train_painting("haystacks_end_of_summer_monet", "jxcodetw/Stylebank", "style/03.jpg",
                    "Haystacks, End of Summer, 1891", "Claude Monet (1840-1926)",
                    "863879fef71dd5487cc330ead5a35cfe0e3bfa2301c9bd6d39d43b4790e26d24"),
    _train_painting("bouquet_of_sunflowers_monet", "jxcodetw/Stylebank", "style/09.jpg",
                    "Bouquet of Sunflowers, 1881", "Claude Monet (1840-1926)",
                    "533e40618ba4877b39023e641025d4624884ee31563a064740f3d8a5d8cf8956"),
    _train_painting("beach_sainte_adresse_monet", "luanfujun/deep-painterly-harmonization", "data/33_target.jpg",
                    "The Beach at Sainte-Adresse, 1867", "Claude Monet (1840-1926)",
                    "b886ecc1ebb4db80e3290e44731ad52741e756dbde71a741f9dc2340da206a1f"),
    _train_painting("antibes_monet", "JacksYou/neural-style", "examples/style/monet/antibes.jpg",
                    "Antibes, 1888", "Claude Monet (1840-1926)",
                    "3fdb537a8fd76b4a47a4e355b6b4294b7bc74fbf6260ebc4a68b600ece4d6505"),
    _train_painting("charing_cross_bridge_monet", "hi-space/image-style-transfer",
                    "image/monet-charing_cross_bridge.jpg",
                    "Charing Cross Bridge, c. 1899-1903", "Claude Monet (1840-1926)",
                    "4f18c545337eeac023cc5d35342c979a9daafae353b02df7c928086842199ab9"),
    _train_painting("thatched_cottages_van_gogh", "gordicaleksa/pytorch-neural-style-transfer",
                    "data/style-images/vg_houses.jpg",
                    "Thatched Cottages in the Sunshine: Reminiscence of the North (Houses and Figure), 1890",
                    "Vincent van Gogh (1853-1890)",
                    "a8c19caa86560dc690cd8b7693d956bd4e66c5f73de7310b4e7cf18fae043ec5"),
    _train_painting("self_portrait_straw_hat_van_gogh", "gordicaleksa/pytorch-neural-style-transfer",
                    "data/style-images/vg_self.jpg",
                    "Self-Portrait with a Straw Hat, 1887", "Vincent van Gogh (1853-1890)",
                    "5f20d17cecdf061f35f8e45047205fc379f4f0ebedb9453d9d7c66b1dd2c0592"),
    _train_painting("self_portrait_palette_van_gogh", "luanfujun/deep-painterly-harmonization", "data/3_target.jpg",
                    "Self-Portrait, 1889 (National Gallery of Art, with palette)", "Vincent van Gogh (1853-1890)",
                    "a66b39b4777627ac0d7d2369470b50aade7dbaba106ab8e0fc9dc428c328dece"),
    _train_painting("girl_in_white_van_gogh", "luanfujun/deep-painterly-harmonization", "data/30_target.jpg",
                    "Girl in White, 1890", "Vincent van Gogh (1853-1890)",
                    "0489e1025369bdf72a06e0a8467e05e40046a9a56de31e754401c382332157d8"),
    _train_painting("wreckers_northumberland_turner", "jaredaevans/DualNeuralStyleTransfer",
                    "ParentImages/Wreckers_Coast_of_Northumberland_JMWTurner.jpg",
                    "Wreckers - Coast of Northumberland, with a Steam-Boat Assisting a Ship off Shore, 1833-34",
                    "J. M. W. Turner (1775-1851)",
                    "b6197223be499e5f677340e50e50db2f0633ad2c62a405230f98420132539893"),
    _train_painting("composition_viii_kandinsky", "mystic123/tensorflow-style-transfer", "images/kandynski2.jpg",
                    "Composition VIII, 1923", "Wassily Kandinsky (1866-1944)",
                    "f31369a37e001d5956c880563e5f21e37829009da9dbea46382f4dd0ae043414"),
    _train_painting("portrait_of_metzinger_delaunay", "zhanghang1989/PyTorch-Multi-Style-Transfer",
                    "experiments/images/21styles/Robert_Delaunay,_1906,_Portrait.jpg",
                    "Portrait of Jean Metzinger (L'homme a la tulipe), 1906", "Robert Delaunay (1885-1941)",
                    "fc89c275028b6a98e8e6896caf5df930eeda63d2314ddc60072d549f55fcc826"),
    _train_painting("camille_mauclair_vallotton", "magenta/magenta",
                    "magenta/models/arbitrary_image_stylization/images/style_images/Camille_Mauclair.jpg",
                    "Portrait of Camille Mauclair (woodcut-style print for Le Livre des masques), c. 1896-98",
                    "Felix Vallotton (1865-1925)",
                    "90dff42dac5066edef44b98d05dfeb51732823dc56a61fc4afd4921c8d7d4a43"),
    _train_painting("portrait_of_picasso_gris", "luanfujun/deep-painterly-harmonization", "data/5_target.jpg",
                    "Portrait of Pablo Picasso, 1912", "Juan Gris (1887-1927)",
                    "989f2652157b6f87537fc8dd3e07673792a1cd5ad3add486528b6f9c6ed014d0"),
    _train_painting("port_en_bessin_seurat", "luanfujun/deep-painterly-harmonization", "data/8_target.jpg",
                    "Seascape at Port-en-Bessin, Normandy, 1888", "Georges Seurat (1859-1891)",
                    "16305a8c122798607d2e906290925dd230182dfb6fbabca742549d4bb6ce57f4"),
    _train_painting("girl_with_a_pearl_earring_vermeer", "luanfujun/deep-painterly-harmonization", "data/15_target.jpg",
                    "Girl with a Pearl Earring, c. 1665", "Johannes Vermeer (1632-1675)",
                    "b805fc5b82f615a8becea3ef23d95f1ab215281124fc3c9c88f9c6111b105686"),
    _train_painting("pont_neuf_renoir", "luanfujun/deep-painterly-harmonization", "data/16_target.jpg",
                    "Pont Neuf, Paris, 1872", "Pierre-Auguste Renoir (1841-1919)",
                    "709edd000f866844f260aa6fb8d60c3577cad19cca8cbe3272ea948fecace187"),
    _train_painting("mona_lisa_leonardo", "luanfujun/deep-painterly-harmonization", "data/17_target.jpg",
                    "Mona Lisa, c. 1503-1519", "Leonardo da Vinci (1452-1519)",
                    "71299b791e221cfa6e78961b5602b73f2892a08098c4e38db0d45c288f81f14f"),
    _train_painting("jolly_flatboatmen_bingham", "luanfujun/deep-painterly-harmonization", "data/20_target.jpg",
                    "The Jolly Flatboatmen, 1846", "George Caleb Bingham (1811-1879)",
                    "2f4e768aad031e59049b091490ef302021db5a4aa10cb984c6f854763bb8b47b"),
    _train_painting("card_players_cezanne", "luanfujun/deep-painterly-harmonization", "data/25_target.jpg",
                    "The Card Players (two-player version), c. 1892-96", "Paul Cezanne (1839-1906)",
                    "91c4d6887c9e56b8279aa239e06f0ebb4c77552cd393df0e1b440a371f7c3b44"),
    _train_painting("basket_of_apples_cezanne", "luanfujun/deep-painterly-harmonization", "data/27_target.jpg",
                    "The Basket of Apples, c. 1893", "Paul Cezanne (1839-1906)",
                    "7345f7a863353362314aa1d8a7259fac84ae74349c21f4ef9217b5934972cf01"),
)

# Kept back for independent checks of the project's claims (SOURCES.md of the shared set): never
# train, tune or evaluate on them. Their bytes are not pinned here, so that nothing fetches them;
# a file is recognised as reserved by its name alone.
RESERVED = ("kodim08", "kodim20", "kodim21", "kodim23", "udnie", "woman_with_a_hat", "la_grande_jatte",
            "flowers_in_a_crystal_vase")

WHEELS = "https://files.pythonhosted.org/packages"
SKLEARN_WHEEL = (f"{WHEELS}/49/21/3723de321531c9745e40f1badafd821e029d346155b6c79704e0b7197552/"
                 "scikit_learn-1.5.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                 "f8b0ccd4a902836493e026c03256e8b206656f91fbcc4fde28c57a5b752561f1")
MATPLOTLIB_WHEEL = (f"{WHEELS}/2e/a4/1ca765c63a60e3096ae2ad132eb25f6f7eab0377418cd0472808befd9665/"
                    "matplotlib-3.11.2-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
                    "07d9b9fa60cd4c393692f50d0bb03123242ddf61c99bb0e95e75feb354e7c1a8")
SCIPY_1_9_WHEEL = (f"{WHEELS}/92/f9/7ae2c1ae200212bc84b5a8369a10d644aa8b588140fe292d59db3b4a2545/"
                   "scipy-1.9.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                   "abaf921531b5aeaafced90157db505e10345e45038c39e5d9b6c7922d68085cb")


def _wheel_photo(name, filename, title, author, licence, wheel, member, sha256, **extra) -> Entry:
    return Entry(name, "content", filename, title, author, licence, wheel[0], sha256, split="validation",
                 member=member, archive_sha256=wheel[1], **extra)


# Sample photos that ship in PyPI wheels. Their subjects (fur, a close portrait, a flower, a carved
# building) are unlike the Kodak photos, four of which, held out of training, did not predict the eval.
VALIDATION_PHOTOS: tuple[Entry, ...] = (
    _wheel_photo("china", "china.jpg", "A temple in China (scikit-learn sample image)", "danielbuechele (Flickr)",
                 "CC BY 2.0", SKLEARN_WHEEL, "sklearn/datasets/images/china.jpg",
                 "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"),
    _wheel_photo("flower", "flower.jpg", "A flower (scikit-learn sample image)", "vultilion (Flickr)",
                 "CC BY 2.0", SKLEARN_WHEEL, "sklearn/datasets/images/flower.jpg",
                 "a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"),
    _wheel_photo("grace_hopper", "grace_hopper.jpg", "Commodore Grace M. Hopper (matplotlib sample image)",
                 "U.S. Navy", "public domain (U.S. Navy)", MATPLOTLIB_WHEEL,
                 "matplotlib/mpl-data/sample_data/grace_hopper.jpg",
                 "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130", package="matplotlib"),
    _wheel_photo("raccoon", "face.dat", "A raccoon's face (scipy.misc.face)", "public-domain-image.com",
                 "public domain", SCIPY_1_9_WHEEL, "scipy/misc/face.dat",
                 "9d8b0b4d081313e2b485748c770472e5a95ed1738146883d84c7030493e82886", raw_shape=(768, 1024, 3)),
)
